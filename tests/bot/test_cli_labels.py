"""`minyi export --labels`, and `minyi learn` / `minyi evaluate` on the multi-label `labels`
column it writes (issue 15)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import PRINCIPLE_MODEL_NAME, open_core
from tests.bot.test_cli import minyi
from tests.seeding import seed_text_round

LABELLED = [
    ("从来没人问过我们的意见，就把健身器材拆了。", ["participation", "urban_rural_construction"]),
    ('=HYPERLINK("x") 出了事谁负责？物业推给居委会。', ["accountability"]),
    ("今天天气不错。", []),
]


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    return path


async def _seed(tmp_path: Path) -> None:
    settings = settings_from_dict(
        {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}, environ={}
    )
    core = await open_core(settings, secret=b"k")
    try:
        _, ids = await seed_text_round(core, [text for text, _ in LABELLED])
        now = datetime.now(UTC)
        async with core.repo.transaction() as session:
            for answer_id, (_, labels) in zip(ids, LABELLED, strict=True):
                await session.set_label(answer_id, "organiser", labels, now)
    finally:
        await core.repo.close()


async def test_labels_export_learn_and_evaluate(tmp_path: Path) -> None:
    """The labels come out as text,labels (formula-safe, `none` for no theme); evaluate reads
    that file as multi-label, and learn stores a principle model from it."""
    config = _config(tmp_path)
    await _seed(tmp_path)
    done = minyi(config, "export", "--labels")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.lstrip("\ufeff"))))
    assert [r["labels"] for r in rows] == [
        "participation;urban_rural_construction",
        "accountability",
        "none",
    ]
    assert rows[1]["text"].startswith("'=HYPERLINK")  # a spreadsheet must not run it
    exported = tmp_path / "labels.csv"
    exported.write_text(done.stdout, encoding="utf-8")

    done = minyi(config, "evaluate", "--labelled", str(exported), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["protocol"] == "multi-label (domain, principle)" and result["n"] == 3
    themes = {t["id"]: t for t in result["themes"]}
    assert themes["participation"]["support"] == 1 and themes["accountability"]["support"] == 1
    assert "parking" not in themes  # child domains are not labels unless a row uses them

    done = minyi(config, "learn", "--labelled", str(exported))
    assert done.returncode == 0, done.stderr
    assert "principles from" in done.stdout
    settings = settings_from_dict(
        {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}, environ={}
    )
    core = await open_core(settings, secret=b"k")
    try:
        async with core.repo.transaction() as session:
            assert await session.get_model(PRINCIPLE_MODEL_NAME) is not None
        assert core.tagger.principle_model is not None
    finally:
        await core.repo.close()


def test_learn_names_an_unknown_theme_in_labels(tmp_path: Path) -> None:
    """A `labels` cell naming no theme is refused with its line, and nothing is learned."""
    config = _config(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("text,labels\n停车难,parking;streetlights\n", encoding="utf-8")
    done = minyi(config, "learn", "--labelled", str(bad))
    assert done.returncode != 0
    assert "第 2 行" in done.stderr and "streetlights" in done.stderr
