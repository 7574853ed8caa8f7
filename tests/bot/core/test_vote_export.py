"""Exports of poll and rating rounds: every vote (pseudonymous) and the per-community results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.core.csvfiles import parse_csv_bytes
from bot.core.organiser import export_file
from bot.core.roles import Caller
from tests.bot.pollseed import BIHAI, HUIZHAN, VOTERS, open_test_core, seed_round
from tests.bot.test_cli import ROOT

ORGANISER = 42


async def test_rating_export_holds_votes_and_results_without_telegram_ids(tmp_path: Path) -> None:
    """`/export N` on a rating round gives one row per vote and one per value and community,
    with a voter key that is neither a Telegram id nor the stored pseudonym."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(core, "rating", {BIHAI: [[2], [2], [4]], HUIZHAN: [[5]]})
        everyone = Caller(user_id=ORGANISER, community=None, organiser=True)
        exported = await export_file(core, everyone, round_id)
        async with core.repo.transaction() as session:
            bihai = await session.get_community_by_name(BIHAI)
        group = Caller(user_id=ORGANISER, community=bihai, organiser=False)
        theirs = await export_file(core, group, round_id)
        stored = {core.resident(v) for v in VOTERS}
    finally:
        await core.repo.close()
    assert exported.name == f"minyi-votes-{round_id}.csv"
    rows = parse_csv_bytes(exported.data, exported.name)
    votes = [r for r in rows if r["record"] == "vote"]
    assert sorted((r["community"], r["option"]) for r in votes) == sorted(
        [(BIHAI, "2"), (BIHAI, "2"), (BIHAI, "4"), (HUIZHAN, "5")]
    )
    assert len({r["voter"] for r in votes}) == 4
    text = exported.data.decode("utf-8-sig")
    assert not any(str(v) in text for v in VOTERS) and not any(p in text for p in stored)
    results = {(r["community"], r["option"]): r for r in rows if r["record"] == "result"}
    assert results[(BIHAI, "2")]["votes"] == "2" and results[(BIHAI, "2")]["voters"] == "3"
    assert results[("*", "5")]["votes"] == "1" and results[("*", "5")]["average"] == "3.25"
    mine = parse_csv_bytes(theirs.data, theirs.name)
    assert {r["community"] for r in mine if r["record"] == "vote"} == {BIHAI}


async def test_cli_exports_a_poll_round_as_csv_and_json(tmp_path: Path) -> None:
    """`minyi export --round N --format csv|json` on a poll round holds its votes and results,
    not only a header."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(
            core, "poll", {BIHAI: [[0], [0, 1]], HUIZHAN: [[2]]}, options=["停车", "=绿化", "照明"]
        )
    finally:
        await core.repo.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")

    command = [sys.executable, "-m", "bot", "--config", str(config), "export"]

    def export(fmt: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*command, "--round", str(round_id), "--format", fmt],
            capture_output=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )

    as_csv = export("csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = parse_csv_bytes(as_csv.stdout, "export.csv")
    votes = [r for r in rows if r["record"] == "vote"]
    assert sorted(r["option"] for r in votes) == ["'=绿化", "停车", "停车", "照明"]
    as_json = export("json")
    payload = json.loads(as_json.stdout)
    overall = payload["results"][0]
    assert overall["community"] == "*" and overall["voters"] == 3
    assert [o["votes"] for o in overall["options"]] == [2, 1, 1]
    assert len(payload["votes"]) == 4 and {v["community"] for v in payload["votes"]} == {
        BIHAI,
        HUIZHAN,
    }
