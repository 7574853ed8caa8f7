"""Bad flags and bad files at the `minyi` verbs (SPEC §6), each verb in its own process: one
line that says what is wrong, exit code 2, no traceback, and the database as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from tests.bot.test_cli import _config, minyi
from tests.e2e.dbfiles import snapshot


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--round", "99999999999999999999999"],
        ["report", "--round", "0"],
        ["export", "--round", "99999999999999999999"],
        ["export", "--round", "-3"],
        ["qr", "--round", "99999999999999999999999"],
        ["evaluate", "--labelled", "{labelled}", "--cv", "-3"],
        ["evaluate", "--labelled", "{labelled}", "--train-per-label", "-1"],
        ["tag", "{folder}"],
        ["tag", "--jsonl", "{folder}"],
    ],
)
def test_a_bad_flag_or_file_is_one_line_and_changes_nothing(
    tmp_path: Path, argv: list[str]
) -> None:
    """A round id past any round (`--round 99999999999999999999999` overflowed the database's
    integer, a traceback), a negative id or count (`--cv -3` was quietly no cross-validation),
    a folder given as the file to tag (a traceback): one line naming what is wrong, exit 2."""
    config = _config(tmp_path)
    assert minyi(config, "db", "migrate").returncode == 0
    # A first verb stores the deployment's key (bot/core/base.py privacy_key), as any would.
    assert minyi(config, "report", "--json").returncode == 0
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,label\n停车位太少,停车\n垃圾没人收,垃圾分类\n", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    filled = [a.format(labelled=labelled, folder=folder) for a in argv]
    settings = load_settings(config, environ={})
    before = snapshot(settings)
    done = minyi(config, *filled)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    said = [line for line in done.stderr.splitlines() if "minyi" in line and "WARNING" not in line]
    assert said and len(said[-1]) < 300, done.stderr[-500:]
    assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("argv", "digits"),
    [(["report", "--round", "١"], "١"), (["evaluate", "--labelled", "x.csv", "--cv", "²"], "²")],
)
def test_a_number_in_other_digits_is_refused_saying_which_to_use(
    tmp_path: Path, argv: list[str], digits: str
) -> None:
    """`--round ١` was read as round 1 (int() reads Arabic-Indic digits) and `--cv ²` failed
    as "not a whole number"; both now say to write the number with 0-9, before any work."""
    done = minyi(_config(tmp_path), *argv)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "Traceback" not in done.stderr
    assert "0-9" in done.stderr and digits in done.stderr, done.stderr[-500:]


def test_full_width_digits_are_a_round_id(tmp_path: Path) -> None:
    """`--round １` (typed in a Chinese input method's full-width mode) is round 1: no such
    round yet, said as for `--round 1`."""
    config = _config(tmp_path)
    assert minyi(config, "db", "migrate").returncode == 0
    full, ascii_ = minyi(config, "report", "--round", "１"), minyi(config, "report", "--round", "1")
    assert (full.returncode, full.stderr.splitlines()[-1:]) == (
        ascii_.returncode,
        ascii_.stderr.splitlines()[-1:],
    )
