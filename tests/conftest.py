"""Shared fixtures: the Bot API emulator (sandbox plugin) and a running Minyi bot.

Tests that need a service the machine may lack (the PostgreSQL test server, tests/pg.py;
Debian's chromium, tests/browser/conftest.py) skip with the reason where it is missing, and
fail instead under CI (`CI` set), so a green CI always ran them. The end of the run then says,
once, how many skipped for each missing service and how to provide it.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import settings

pytest_plugins = ["sandbox.pytest_plugin", "tests.harness"]

# Property-based tests run the same examples on every run and machine (a seed from each test's
# own name, no example database): a failure on CI is one a maintainer can run again, and no
# test waits on the clock of a busy machine. A longer hunt sets its own max_examples.
settings.register_profile("minyi", derandomize=True, database=None, deadline=None)
settings.load_profile("minyi")

# What a skip's reason starts with -> how to provide the missing service.
MISSING_SERVICES = {
    "PostgreSQL at": (
        "start the PostgreSQL server (127.0.0.1:5432, trust auth, database `test`; on Debian "
        "`pg_ctlcluster <version> main start`) or point MINYI_TEST_POSTGRES_URL at one"
    ),
    "Chromium is not installed": "as root, `make browser` installs Debian's chromium",
    "the playwright package is missing": "`make .venv/.installed` installs it",
    "axe-core is missing": "`make .venv/.installed` installs axe-playwright-python, which ships it",
}


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, at the end, which tests did not run for want of a service, and the fix."""
    skipped: Counter[str] = Counter()
    first: dict[str, str] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = _reason(report)
        for prefix in MISSING_SERVICES:
            if reason.startswith(prefix):
                skipped[prefix] += 1
                first.setdefault(prefix, reason)
    if not skipped:
        return
    terminalreporter.write_sep("=", "services missing on this machine", yellow=True)
    for prefix, count in skipped.items():
        terminalreporter.write_line(f"{count} tests skipped: {first[prefix]}")
        terminalreporter.write_line(f"  to run them: {MISSING_SERVICES[prefix]}")
