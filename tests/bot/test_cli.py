"""The `minyi` command line as an operator uses it (SPEC §6), each verb in its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_learn_changes_later_tagging_and_evaluate_reports_it(tmp_path: Path) -> None:
    """After `minyi learn`, `minyi evaluate` on the same deployment scores the learned model."""
    config = _config(tmp_path)
    before = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["protocol"].startswith("keywords only")
    learned = minyi(config, "learn", "--labelled", str(LABELLED))
    assert learned.returncode == 0, learned.stderr
    after = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert after.returncode == 0, after.stderr
    result = json.loads(after.stdout)
    assert result["protocol"] == "learned model"
    assert {t["id"] for t in result["themes"]} >= {"participation", "privacy"}
    assert result["macro"]["f1"] >= json.loads(before.stdout)["macro"]["f1"]


def test_learn_rejects_an_unknown_label_and_changes_nothing(tmp_path: Path) -> None:
    """A label that is no theme id or name is named in the error; no model is stored."""
    config = _config(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\n停车难,parking\n路灯坏了,streetlights\n", encoding="utf-8")
    done = minyi(config, "learn", "--labelled", str(bad))
    assert done.returncode == 2 and "streetlights" in done.stderr
    again = minyi(config, "evaluate", "--labelled", str(LABELLED), "--json")
    assert json.loads(again.stdout)["protocol"].startswith("keywords only")


def test_unknown_config_key_is_refused_by_every_verb(tmp_path: Path) -> None:
    """A config with an unknown key stops the CLI with the key's name and exit code 2."""
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_answer_char = 5\n", encoding="utf-8")
    done = minyi(config, "report", "--json")
    assert done.returncode == 2 and "limits.max_answer_char" in done.stderr


def test_report_export_and_retag_on_an_empty_deployment(tmp_path: Path) -> None:
    """On a new database: no rounds, an export with only the header, nothing to re-tag."""
    config = _config(tmp_path)
    report = minyi(config, "report", "--json")
    assert report.returncode == 0 and json.loads(report.stdout) == {"rounds": []}
    export = minyi(config, "export", "--format", "json")
    assert export.returncode == 0 and json.loads(export.stdout) == []
    missing = minyi(config, "report", "--round", "7")
    assert missing.returncode == 2 and "7" in missing.stderr
    retag = minyi(config, "retag")
    assert retag.returncode == 0 and "0 stored answers" in retag.stdout
