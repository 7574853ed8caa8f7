"""The `minyi` command line as an operator uses it (SPEC §6), each verb in its own process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import settings_from_dict
from bot.core.base import open_core
from nlp.normalise import normalise
from tests.seeding import add_tagged_answer, seed_text_round

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "principles_labelled.csv"


def minyi(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot --config CONFIG ARGS…`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    return path


def test_tag_jsonl_prints_one_object_per_line_with_sorted_themes(tmp_path: Path) -> None:
    """`minyi tag --jsonl` gives {"text", "themes": [{id, name_zh, kind, score, evidence}]}."""
    done = minyi(
        _config(tmp_path),
        "tag",
        "--jsonl",
        stdin="小区停车位太少了\n物業費賬目從來不公開\nnothing to see here\n",
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in rows] == [
        "小区停车位太少了",
        "物業費賬目從來不公開",
        "nothing to see here",
    ]
    parking = rows[0]["themes"]
    assert parking and set(parking[0]) == {"id", "name_zh", "kind", "score", "evidence"}
    assert [t["score"] for t in parking] == sorted((t["score"] for t in parking), reverse=True)
    assert any(t["id"] == "parking" and "停车" in "".join(t["evidence"]) for t in parking)
    assert any(t["id"] == "transparency" for t in rows[1]["themes"])


def test_tag_jsonl_gives_every_theme_evidence_from_the_text(tmp_path: Path) -> None:
    """SPEC §4: every tag carries its evidence. A theme only the principle model found (no
    taxonomy keyword in the text) shows the words of the text that weighed most in its score,
    not an empty list; each evidence word is in the text (as folded: Traditional read as
    Simplified)."""
    texts = ["有人遛狗不牵绳，孩子害怕。", "社区活动总是那几个人参加，年轻人没时间。", "停車位太少"]
    done = minyi(_config(tmp_path), "tag", "--jsonl", stdin="\n".join(texts) + "\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    themes = [(normalise(r["text"]), t) for r in rows for t in r["themes"]]
    assert themes, rows
    for text, theme in themes:
        assert theme["evidence"], theme
        assert all(normalise(word) in text for word in theme["evidence"]), (text, theme)


def test_learn_changes_later_tagging_and_evaluate_reports_it(tmp_path: Path) -> None:
    """After `minyi learn`, `minyi evaluate` on the same deployment scores the learned model."""
    config = _config(tmp_path)
    before = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["protocol"] == "keywords and principle model"
    learned = minyi(config, "learn", "--labelled", str(LABELLED))
    assert learned.returncode == 0, learned.stderr
    after = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert after.returncode == 0, after.stderr
    result = json.loads(after.stdout)
    assert result["protocol"] == "learned model"
    assert {t["id"] for t in result["themes"]} >= {"participation", "privacy"}
    assert result["macro"]["f1"] >= json.loads(before.stdout)["macro"]["f1"]


def test_evaluate_cv_folds_are_stratified_and_seeded(tmp_path: Path) -> None:
    """`minyi evaluate --cv 3` learns on two thirds and scores the third, each fold once: the
    same seed gives the same figures, and every label's examples are spread over the folds."""
    from bot.core.tagging import read_labelled
    from nlp.learn import stratified_folds

    config = _config(tmp_path)
    runs = [
        minyi(config, "evaluate", "--labelled", str(LABELLED), "--cv", "3", "--json")
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first, second = (json.loads(r.stdout) for r in runs)
    assert first == second
    assert first["protocol"] == "3-fold cross-validation, learned model"
    assert 0.0 < first["macro"]["f1"] <= 1.0
    gold = [label for _, label in read_labelled(LABELLED)]
    folds = stratified_folds(gold, 3, seed=0)
    assert sorted(i for fold in folds for i in fold) == list(range(len(gold)))
    for label in set(gold):
        counts = [sum(1 for i in fold if gold[i] == label) for fold in folds]
        assert max(counts) - min(counts) <= 1, (label, counts)


def test_learn_rejects_an_unknown_label_and_changes_nothing(tmp_path: Path) -> None:
    """A label that is no theme id or name is named in the error; no model is stored."""
    config = _config(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\n停车难,parking\n路灯坏了,streetlights\n", encoding="utf-8")
    done = minyi(config, "learn", "--labelled", str(bad))
    assert done.returncode == 2 and "streetlights" in done.stderr
    again = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert json.loads(again.stdout)["protocol"] == "keywords and principle model"


def test_learn_names_the_line_of_an_unknown_label_and_creates_no_database(
    tmp_path: Path,
) -> None:
    """A bad `text,label` or `text,labels` file stops `minyi learn` with the file and line of
    the bad cell, before anything is written: a deployment without a database gets none."""
    config = _config(tmp_path)
    single = tmp_path / "single.csv"
    single.write_text("text,label\n停车难,parking\n路灯坏了,streetlights\n", encoding="utf-8")
    multi = tmp_path / "multi.csv"
    multi.write_text("text,labels\n停车难,parking\n路灯坏了,transport;路灯\n", encoding="utf-8")
    for bad, unknown in ((single, "streetlights"), (multi, "路灯")):
        done = minyi(config, "learn", "--labelled", str(bad))
        assert done.returncode == 2, done.stderr
        assert f"{bad.name} 第 3 行" in done.stderr and unknown in done.stderr
        assert not (tmp_path / "m.db").exists()


def test_evaluate_counts_a_text_of_two_rows_once_per_theme(tmp_path: Path) -> None:
    """A text with two themes is two rows of a `text,label` file: tagged with both, it is
    right for both, not a false positive of each on the other's row."""
    labelled = tmp_path / "two.csv"
    labelled.write_text(
        "text,label\n"
        "物业费账目从来不公开，出了问题也没人负责,透明\n"
        "物业费账目从来不公开，出了问题也没人负责,问责\n"
        "希望社区开会的时候多听听我们的意见,参与\n",
        encoding="utf-8",
    )
    config = _config(tmp_path)
    tagged = minyi(config, "tag", "--jsonl", stdin="物业费账目从来不公开，出了问题也没人负责\n")
    found = {t["id"] for t in json.loads(tagged.stdout)["themes"]}
    assert {"transparency", "accountability"} <= found and "participation" not in found
    done = minyi(config, "evaluate", "--labelled", str(labelled), "--json")
    assert done.returncode == 0, done.stderr
    themes = {t["id"]: t for t in json.loads(done.stdout)["themes"]}
    assert themes["transparency"]["precision"] == 1.0
    assert themes["accountability"]["precision"] == 1.0
    assert themes["transparency"]["support"] == 1


def test_unknown_config_key_is_refused_by_every_verb(tmp_path: Path) -> None:
    """A config with an unknown key stops the CLI with the key's name and exit code 2."""
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_answer_char = 5\n", encoding="utf-8")
    done = minyi(config, "report", "--json")
    assert done.returncode == 2 and "limits.max_answer_char" in done.stderr


def test_report_export_and_retag_on_an_empty_deployment(tmp_path: Path) -> None:
    """On a new database: no rounds, an export with only the header, nothing to re-tag."""
    config = _config(tmp_path)
    assert minyi(config, "db", "migrate").returncode == 0
    report = minyi(config, "report", "--json")
    assert report.returncode == 0 and json.loads(report.stdout) == {"rounds": []}
    export = minyi(config, "export", "--format", "json")
    assert export.returncode == 0 and json.loads(export.stdout) == []
    missing = minyi(config, "report", "--round", "7")
    assert missing.returncode == 2 and "7" in missing.stderr
    retag = minyi(config, "retag")
    assert retag.returncode == 0 and "0 stored answers" in retag.stdout


SEEDED = {
    "old": ["小区停车位太少了，晚上回来没地方停。", "物业费账目从来不公开。"],
    "new": ["希望社区重大事项提前公示，让居民参与讨论。", "晚上广场舞太吵了，影响休息。"],
}


def _config_in(tmp_path: Path, timezone: str = "Asia/Shanghai") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[schedule]\ntimezone = "{timezone}"\n',
        encoding="utf-8",
    )
    return path


async def _seed(tmp_path: Path) -> dict[str, int]:
    """Two closed rounds through the repository: one opened 20 days ago, one 2 days ago."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    core = await open_core(settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k")
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    try:
        async with core.repo.transaction() as session:
            community, _ = await session.set_community(-100, "碧海社区", now)
            for label, opened in (
                ("old", now - timedelta(days=20)),
                ("new", now - timedelta(days=2)),
            ):
                round_ = await session.add_round(
                    kind="text",
                    state="closed",
                    question=f"{label}：社区最需要改进什么？",
                    community_ids=[community.id],
                    opens_at=opened,
                    closes_at=opened + timedelta(hours=1),
                    reminder_at=None,
                    created_by="x",
                    at=opened,
                )
                ids[label] = round_.id
                for i, text in enumerate(SEEDED[label]):
                    await add_tagged_answer(
                        core,
                        session,
                        round_.id,
                        community.id,
                        resident=f"{label}{i}",
                        source=f"g:-100:{label}{i}",
                        text=text,
                        at=opened + timedelta(minutes=i + 1),
                    )
    finally:
        await core.repo.close()
    return ids


async def test_export_csv_has_a_bom_and_json_the_same_answers(tmp_path: Path) -> None:
    """`minyi export` writes CSV with a BOM (for Excel/WPS) and `--format json` the same rows."""
    config = _config_in(tmp_path)
    await _seed(tmp_path)
    done = minyi(config, "export")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("\ufeffanswer_id,round_id,community,")
    rows = list(csv.DictReader(io.StringIO(done.stdout.removeprefix("\ufeff"))))
    texts = [t for label in ("old", "new") for t in SEEDED[label]]
    assert sorted(r["text"] for r in rows) == sorted(texts)
    assert {r["community"] for r in rows} == {"碧海社区"}
    as_json = minyi(config, "export", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert sorted(r["text"] for r in json.loads(as_json.stdout)) == sorted(texts)


async def test_report_since_lists_only_rounds_opened_since_that_day(tmp_path: Path) -> None:
    """`minyi report --since DATE` reports the round opened 2 days ago, not the one 20 days ago."""
    config = _config_in(tmp_path)
    ids = await _seed(tmp_path)
    since = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    done = minyi(config, "report", "--since", since, "--json")
    assert done.returncode == 0, done.stderr
    reports = json.loads(done.stdout)["rounds"]
    assert [r["id"] for r in reports] == [ids["new"]]
    assert reports[0]["answers"] == len(SEEDED["new"])
    text = minyi(config, "report", "--since", since)
    assert text.returncode == 0 and "new：社区最需要改进什么？" in text.stdout
    assert "old：" not in text.stdout
    bad = minyi(config, "report", "--since", "last week")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


async def test_digest_writes_its_files_and_names_its_dates_in_the_local_zone(
    tmp_path: Path,
) -> None:
    """`minyi digest --out` writes text, JSON, CSV and chart, and prints the period in
    schedule.timezone (a zone whose date differs from UTC's right now)."""
    now = datetime.now(UTC)
    # Kiritimati is UTC+14 and Pago Pago UTC-11: one of them is on another day than UTC now.
    timezone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    zone = ZoneInfo(timezone)
    assert now.astimezone(zone).date() != now.date()
    config = _config_in(tmp_path, timezone)
    await _seed(tmp_path)
    out = tmp_path / "digest"
    done = minyi(config, "digest", "--out", str(out))
    assert done.returncode == 0, done.stderr
    start, end = (now - timedelta(days=7)).astimezone(zone).date(), now.astimezone(zone).date()
    assert f"digest {start} – {end} written to {out}" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "digest.csv",
        "digest.json",
        "digest.png",
        "digest.txt",
    ]
    assert SEEDED["new"][0] in (out / "digest.csv").read_text(encoding="utf-8-sig")
    assert SEEDED["old"][0] not in (out / "digest.csv").read_text(encoding="utf-8-sig")
    digest = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    assert digest["answers"] == 2
    # One document, one way of writing its times: UTC, as `minyi report --json` writes a
    # round's (docs/cli.md); the period's start was written in schedule.timezone (+14:00 or
    # -11:00) beside a UTC end.
    opens, closes = (datetime.fromisoformat(digest[key]) for key in ("opens_at", "closes_at"))
    assert opens.utcoffset() == closes.utcoffset() == timedelta(0), digest
    assert closes - opens == timedelta(days=7)


async def test_digest_of_a_quiet_week_still_writes_every_file(tmp_path: Path) -> None:
    """SPEC §6: `minyi digest --out` gives text, PNG and CSV. A week without answers or votes
    writes them too: the text's one-line note, a CSV with its header only, a chart saying
    nothing came in."""
    config = _config_in(tmp_path)
    assert minyi(config, "db", "migrate").returncode == 0
    out = tmp_path / "quiet"
    done = minyi(config, "digest", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "digest.csv",
        "digest.json",
        "digest.png",
        "digest.txt",
    ]
    assert "没有新的居民回答或投票" in (out / "digest.txt").read_text(encoding="utf-8")
    assert (out / "digest.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert json.loads((out / "digest.json").read_text(encoding="utf-8"))["answers"] == 0


def test_a_closed_pipe_ends_the_output_quietly(tmp_path: Path) -> None:
    """`minyi export --format json | head` with the reader gone: no traceback, exit 141."""
    config = _config_in(tmp_path)
    assert minyi(config, "db", "migrate").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "export", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the first byte is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_read_only_verbs_on_a_missing_database_name_config_and_create_nothing(
    tmp_path: Path,
) -> None:
    """`report`, `export`, `digest`, `retag` and `db copy` on a SQLite file that does not exist
    stop with exit 2, name the file and `--config`, and leave no database behind; `tag` and
    `evaluate` still work from the keywords, creating nothing either."""
    config = _config(tmp_path)
    database = tmp_path / "m.db"
    for verb in (
        ["report", "--json"],
        ["export", "--format", "csv"],
        ["digest", "--out", str(tmp_path / "out")],
        ["retag"],
        ["db", "copy", "--to", f"sqlite:///{tmp_path / 'copy.db'}"],
    ):
        done = minyi(config, *verb)
        assert done.returncode == 2, (verb, done.stdout, done.stderr)
        assert "--config" in done.stderr and str(database) in done.stderr, done.stderr
        assert done.stdout == "" and not database.exists(), verb
    assert not (tmp_path / "out").exists() and not (tmp_path / "copy.db").exists()
    tagged = minyi(config, "tag", "--jsonl", stdin="小区停车位太少了\n")
    assert tagged.returncode == 0 and "parking" in tagged.stdout, tagged.stderr
    scored = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert scored.returncode == 0 and json.loads(scored.stdout)["protocol"].startswith("keywords")
    assert not database.exists()


def test_every_csv_input_takes_gbk_and_names_file_and_line(tmp_path: Path) -> None:
    """`learn`, `evaluate` and `tag` read a GBK CSV (what Excel on Chinese Windows saves); a
    PNG or a broken row is refused naming the file (and the line), without a traceback."""
    config = _config(tmp_path)
    rows = LABELLED.read_text(encoding="utf-8-sig")
    gbk = tmp_path / "labelled-gbk.csv"
    gbk.write_bytes(rows.encode("gb18030"))
    learned = minyi(config, "learn", "--labelled", str(gbk))
    assert learned.returncode == 0, learned.stderr
    scored = minyi(config, "evaluate", "--labelled", str(gbk), "--json")
    assert scored.returncode == 0 and json.loads(scored.stdout)["protocol"] == "learned model"
    texts = tmp_path / "texts.csv"
    texts.write_bytes("id,text\n1,小区停车位太少了\n".encode("gbk"))
    tagged = minyi(config, "tag", "--jsonl", str(texts))
    assert json.loads(tagged.stdout)["text"] == "小区停车位太少了", tagged.stderr
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    for verb in (["learn", "--labelled", str(png)], ["tag", str(png)]):
        refused = minyi(config, *verb)
        assert refused.returncode == 2 and str(png) in refused.stderr, refused.stderr
        assert "PNG" in refused.stderr and "Traceback" not in refused.stderr
    broken = tmp_path / "broken.csv"
    broken.write_bytes("text,label\n停车难,停车\n太吵,噪音,多余\n".encode("gbk"))
    refused = minyi(config, "evaluate", "--labelled", str(broken))
    assert refused.returncode == 2 and f"{broken} 第 3 行" in refused.stderr, refused.stderr


async def test_report_json_shares_are_exact_fractions(tmp_path: Path) -> None:
    """A theme in 1 of 3 answers has `share` 1/3 in `minyi report --json` (count / answers to
    float precision, not 0.3333)."""
    config = _config_in(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    core = await open_core(settings_from_dict({"storage": {"url": url}}, environ={}), secret=b"k")
    try:
        await seed_text_round(core, ["小区停车位太少了，晚上没地方停。", "你好", "谢谢大家"])
    finally:
        await core.repo.close()
    done = minyi(config, "report", "--json")
    assert done.returncode == 0, done.stderr
    (round_,) = json.loads(done.stdout)["rounds"]
    assert round_["answers"] == 3
    parking = next(t for t in round_["themes"] if t["id"] == "parking")
    assert parking["count"] == 1
    assert parking["share"] == pytest.approx(1 / 3, rel=1e-9)
