"""`minyi demo`: a whole consultation offline, at a reduced size, and the files it leaves."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from demo.script import POLL_OPTIONS, scripted_residents
from tests.pg import postgres_database_url

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` in `cwd`, with the project's interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_demo_writes_reports_digest_chart_and_export(tmp_path: Path) -> None:
    """`minyi demo --residents 10` plays three rounds in two communities, a few residents
    answering on the web pages the /qr cards lead to, and writes every file."""
    out = tmp_path / "demo-out"
    done = run_cli("demo", "--residents", "10", "--fast", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in (
        "reports.txt",
        "reports.json",
        "digest.txt",
        "digest.json",
        "digest.csv",
        "digest.png",
        "answers.csv",
        "transcript.txt",
        "minyi.db",
        "config.toml",
    ):
        assert (out / name).is_file(), f"{name} missing; demo said:\n{done.stdout}"
        assert str(out / name) in done.stdout, f"the demo does not say where {name} is"

    rounds = json.loads((out / "reports.json").read_text(encoding="utf-8"))["rounds"]
    assert [r["kind"] for r in rounds] == ["text", "poll", "rating", "priorities", "rating"]
    assert all(r["state"] == "closed" for r in rounds)
    assert all(sorted(r["communities"]) == ["会展城社区", "碧海社区"] for r in rounds)
    text, poll, rating, priorities, indicator = rounds
    assert len(priorities["poll"]["options"]) == 10 and priorities["poll"]["voters"] > 0
    assert 1 <= indicator["poll"]["average"] <= 5
    index = (out / "index" / "index.html").read_text(encoding="utf-8")
    assert "智慧城市与社会治理指数" in index and "碧海社区" in index and "会展城社区" in index
    assert (out / "index" / "index.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "index" / "scorecard_1.png").read_bytes().startswith(PNG_SIGNATURE)
    assert "📈 治理指数" in (out / "digest.txt").read_text(encoding="utf-8")
    people = scripted_residents(10)
    scripted = [p for p in people if p.answer is not None]
    # The few residents the script keeps off Telegram (index % 9 == 4) answer on the web page.
    on_web = sum(1 for i, p in enumerate(people) if p.answer is not None and i % 9 == 4)
    assert on_web == 1
    assert text["answers"] == len(scripted) == text["participants"]
    assert text["channels"] == {"telegram": len(scripted) - on_web, "web": on_web}
    assert any(t["kind"] == "principle" for t in text["themes"])
    assert [o["text"] for o in poll["poll"]["options"]] == POLL_OPTIONS
    # Nine vote in Telegram, one (index 7) on the web page; the rating likewise (index 3).
    assert poll["poll"]["voters"] == 10 == sum(o["votes"] for o in poll["poll"]["options"])
    assert poll["channels"] == {"telegram": 9, "web": 1}
    assert rating["poll"]["voters"] == 10
    assert rating["channels"] == {"telegram": 9, "web": 1}
    assert 1 <= rating["poll"]["average"] <= 5

    digest = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    assert digest["answers"] == text["answers"]
    assert (out / "digest.png").read_bytes().startswith(PNG_SIGNATURE)
    exported = list(csv.DictReader(io.StringIO((out / "answers.csv").read_text("utf-8-sig"))))
    assert len(exported) == text["answers"]
    assert {row["community"] for row in exported} == {"会展城社区", "碧海社区"}
    assert any(row["via"] != "reply" for row in exported), "no answer came in privately"

    cards = sorted((out / "qr").glob("*.png"))
    assert len(cards) == 6, "one QR card per round and community"
    assert all(c.read_bytes().startswith(PNG_SIGNATURE) for c in cards)
    assert str(out / "qr/") in done.stdout

    transcript = (out / "transcript.txt").read_text(encoding="utf-8")
    assert "碧海社区居民群" in transcript and "会展城社区业主群" in transcript
    assert "📊 " + "智慧社区治理" in transcript
    assert "征询报告 #1" in (out / "reports.txt").read_text(encoding="utf-8")


def test_demo_replaces_links_planted_in_its_folder(tmp_path: Path) -> None:
    """A symbolic link left in the `--out` folder under the name of a file the demo writes is
    replaced by that file; the file it pointed to (the operator's own) is left as it was."""
    out = tmp_path / "shared"
    (out / "index").mkdir(parents=True)
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH\n", encoding="utf-8")
    planted = [
        "reports.txt",
        "reports.json",
        "transcript.txt",
        "config.toml",
        "answers.csv",
        "index_values.csv",
        "digest.txt",
        "index/index.html",
    ]
    for name in planted:
        (out / name).symlink_to(victim)
    done = run_cli("demo", "--residents", "4", "--fast", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert victim.read_text(encoding="utf-8") == "export PATH\n"
    assert [name for name in planted if (out / name).is_symlink()] == []
    assert "征询报告 #1" in (out / "reports.txt").read_text(encoding="utf-8")


def test_demo_config_lets_minyi_read_the_demo_database(tmp_path: Path) -> None:
    """The config.toml the demo writes points `minyi report --json` and `minyi index --json`
    at the demo's database."""
    out = tmp_path / "out"
    assert (
        run_cli("demo", "--residents", "4", "--fast", "--out", str(out), cwd=tmp_path).returncode
        == 0
    )
    done = run_cli("--config", str(out / "config.toml"), "report", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    kinds = [r["kind"] for r in json.loads(done.stdout)["rounds"]]
    assert kinds == ["text", "poll", "rating", "priorities", "rating"]
    index = run_cli("--config", str(out / "config.toml"), "index", "--json", cwd=tmp_path)
    assert index.returncode == 0, index.stderr
    names = [c["name"] for c in json.loads(index.stdout)["communities"]]
    assert sorted(names) == ["会展城社区", "碧海社区"]
    # The demo's own privacy key comes with it: an export reads the pseudonyms as the demo
    # made them, and no verb generates a key of its own into the demo's database.
    export = run_cli(
        "--config", str(out / "config.toml"), "export", "--format", "json", cwd=tmp_path
    )
    assert export.returncode == 0, export.stderr
    assert "privacy.secret" not in export.stderr
    with sqlite3.connect(out / "minyi.db") as db:
        # (A configured secret leaves only its check value, never a key.)
        names = db.execute("SELECT name FROM deployment_secrets").fetchall()
        assert names in ([], [("privacy_check",)]), names


def test_every_read_verb_says_the_same_from_sqlite_and_postgresql(tmp_path: Path) -> None:
    """The demo's consultation (every kind of round, Telegram and web answers, imported index
    values), copied by `minyi db copy` into a PostgreSQL database whose collation sorts
    Chinese by pinyin, reads back byte for byte as from SQLite: reports, exports and the
    index once listed 碧海社区 before 会展城社区 from PostgreSQL only."""
    out = tmp_path / "out"
    assert (
        run_cli("demo", "--residents", "4", "--fast", "--out", str(out), cwd=tmp_path).returncode
        == 0
    )
    lite = out / "config.toml"
    with postgres_database_url("zh") as url:
        copied = run_cli("--config", str(lite), "db", "copy", "--to", url, cwd=tmp_path)
        assert copied.returncode == 0, copied.stderr
        pg = tmp_path / "pg.toml"
        pg.write_text(re.sub(r'url = "[^"]*"', f'url = "{url}"', lite.read_text("utf-8")), "utf-8")
        for verb in (
            ["report", "--json"],
            ["report", "--round", "2"],
            ["export", "--format", "json"],
            ["export", "--format", "csv", "--round", "1"],
            ["index", "--json"],
        ):
            said = [run_cli("--config", str(c), *verb, cwd=tmp_path) for c in (lite, pg)]
            assert all(s.returncode == 0 for s in said), [s.stderr for s in said]
            assert said[0].stdout == said[1].stdout, verb


def test_demo_refuses_a_resident_count_out_of_range(tmp_path: Path) -> None:
    """`--residents 1` gets a one-line explanation and exit status 2, and writes nothing."""
    done = run_cli("demo", "--residents", "1", "--out", str(tmp_path / "x"), cwd=tmp_path)
    assert done.returncode == 2
    assert "--residents must be between 2" in done.stderr
    assert not (tmp_path / "x").exists()
