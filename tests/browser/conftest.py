"""Headless Chromium (Debian's `chromium`, driven by Playwright) on the sandbox page.

`make test` installs the browser when it is missing (Makefile target `browser`). Where it still
is not there the tests skip and say why; under CI they fail instead, so a green CI always means
the page was really driven.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from demo.sandbox import Sandbox, open_sandbox

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium, or a skip (a failure under CI) that says what is missing."""
    path = os.environ.get("MINYI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    problem = None
    if not Path(path).exists():
        problem = "Chromium is not installed (as root, `make browser` installs Debian's chromium)"
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (`make .venv/.installed` installs it)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)
    return path


@pytest_asyncio.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The sandbox (real bot, emulator, page) on a free port and a fresh SQLite file."""
    async with open_sandbox(tmp_path / "minyi.db") as running:
        yield running


@contextlib.asynccontextmanager
async def chromium_page(**context_options: Any) -> AsyncIterator[Any]:
    """A page of a fresh headless Chromium profile (its own --user-data-dir), its context
    launched with `context_options` (viewport, locale, …); the profile is removed after."""
    executable = chromium_path()
    from playwright.async_api import async_playwright

    profile = tempfile.mkdtemp(prefix="minyi-chromium-")
    try:
        async with async_playwright() as driver:
            # Playwright passes the profile as --user-data-dir (it refuses it among the args).
            context = await driver.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                **context_options,
            )
            try:
                opened = context.pages[0] if context.pages else await context.new_page()
                opened.set_default_timeout(20_000)
                yield opened
            finally:
                await context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest_asyncio.fixture
async def page() -> AsyncIterator[Any]:
    """A page of a fresh headless Chromium profile at a desktop's size."""
    async with chromium_page(
        viewport={"width": 1280, "height": 860},
        locale="zh-CN",
        # Far from the bot's zone (Asia/Shanghai), so a time shown in the browser's own zone
        # cannot pass for the bot's.
        timezone_id="America/New_York",
    ) as opened:
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        assert not errors, f"the page raised JavaScript errors: {errors}"
