"""The words a model weighed most are stored with each tag (migration 0008) and shown in
exports and in `minyi tag`'s text output."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.exports import COLUMNS, export_rows, rows_to_csv
from bot.core.tagging import InputText, tag_verb
from tests.seeding import seed_text_round

# Residents' own wording for "we were never asked": the shipped principle model finds it.
TEXT = "从来没人问过我们的意见，就把健身器材拆了。"


async def _core(tmp_path: Path) -> Core:
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    return await open_core(settings_from_dict(data, environ={}), secret=b"k")


async def test_learned_words_round_trip_through_storage(tmp_path: Path) -> None:
    """A model-scored tag's weightiest words are read back from SQLite exactly as tagged."""
    core = await _core(tmp_path)
    try:
        expected = {t.id: t.learned for t in core.tagger.tag(TEXT)}
        assert expected.get("participation"), "the shipped model should weigh some words"
        await seed_text_round(core, [TEXT])
        async with core.repo.transaction() as session:
            (answer,) = await session.list_answers()
            again = await session.get_answer_themes([answer.id])
        assert {t.theme_id: t.learned for t in answer.themes} == expected
        assert {t.theme_id: t.learned for t in again[answer.id]} == expected
    finally:
        await core.repo.close()


async def test_export_has_a_learned_column(tmp_path: Path) -> None:
    """The CSV export names, per model-scored theme, the words that weighed most."""
    core = await _core(tmp_path)
    try:
        await seed_text_round(core, [TEXT])
        rows = await export_rows(core)
        data = rows_to_csv(rows).decode("utf-8-sig")
    finally:
        await core.repo.close()
    (row,) = list(csv.DictReader(io.StringIO(data)))
    assert "learned" in COLUMNS
    words = {t.id: t.learned for t in core.tagger.tag(TEXT)}["participation"]
    assert f"participation={'/'.join(words)}" in row["learned"].split(";")
    themes = rows[0]["themes"]
    assert isinstance(themes, list)
    theme = next(t for t in themes if t["id"] == "participation")
    assert theme["learned"] == words


async def test_tag_text_output_shows_learned_words(tmp_path: Path) -> None:
    """`minyi tag` without --jsonl prints the weightiest words beside the keyword evidence."""
    core = await _core(tmp_path)
    try:
        out = io.StringIO()
        tag_verb([InputText(1, TEXT, len(TEXT))], False, core.tagger, out, limit=2000)
    finally:
        await core.repo.close()
    words = {t.id: t.learned for t in core.tagger.tag(TEXT)}["participation"]
    assert f"[学到 learned: {'、'.join(words)}]" in out.getvalue()
