"""Fixtures of the web channel tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.bot.web.world import WebWorld, web_world


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[WebWorld]:
    """Web pages over a fresh SQLite file, with two communities."""
    async with web_world(tmp_path) as running:
        yield running
