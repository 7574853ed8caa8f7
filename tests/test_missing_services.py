"""A contributor's machine without PostgreSQL or Chromium: `make test` says what did not run
and how to provide it, and under CI the same run fails instead of passing green."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_TEST = "tests/storage/test_repository.py::TestMigrations::test_migrations_are_applied_once"
BROWSER_TEST = "tests/browser/test_index_page_language.py"


def _pytest(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    # Nothing listens on port 1; no file is at that path.
    env["MINYI_TEST_POSTGRES_URL"] = "postgresql://postgres@127.0.0.1:1/test"
    env["MINYI_CHROMIUM"] = str(tmp_path / "no-chromium")
    if ci:
        env["CI"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PG_TEST, BROWSER_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_laptop_without_the_services_is_told_what_skipped_and_why(tmp_path: Path) -> None:
    """The run passes, and its end names each missing service, how many tests it kept from
    running, and how to provide it."""
    done = _pytest(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "services missing on this machine" in done.stdout, done.stdout[-3000:]
    assert "1 tests skipped: PostgreSQL at postgresql://postgres@127.0.0.1:1/test" in done.stdout
    assert "MINYI_TEST_POSTGRES_URL" in done.stdout
    assert "1 tests skipped: Chromium is not installed" in done.stdout
    assert "make browser" in done.stdout


def test_under_ci_a_missing_service_fails_the_run(tmp_path: Path) -> None:
    """With CI set, the same tests fail, naming what is missing."""
    done = _pytest(tmp_path, ci=True)
    assert done.returncode != 0
    assert "PostgreSQL tests cannot run under CI" in done.stdout, done.stdout[-3000:]
    assert "browser tests cannot run under CI" in done.stdout, done.stdout[-3000:]
