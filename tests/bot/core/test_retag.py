"""`minyi retag`: after a keyword is added, only answers containing it are re-tagged, and the
result is the same as re-tagging everything."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import pytest

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.retag import ensure_snapshot, retag_answers
from tests.seeding import seed_text_round

TEXTS = [
    "小区里装了快递柜以后，取件方便多了。",
    "希望社区重大事项提前公示，让居民参与讨论。",
    "晚上广场舞太吵了，影响休息。",
    "快递柜旁边总有电动车乱停，物业也不管。",
    "老人不会用手机挂号，希望医院保留人工窗口。",
]
NEW_KEYWORD = "快递柜"


def _taxonomy_with_new_keyword(tmp_path: Path) -> Path:
    text = resources.files("nlp").joinpath("data/taxonomy.toml").read_text(encoding="utf-8")
    marker = 'id = "parking"'
    head, tail = text.split(marker, 1)
    start = tail.index("keywords = [") + len("keywords = [")
    changed = head + marker + tail[:start] + f'\n  "{NEW_KEYWORD}",' + tail[start:]
    path = tmp_path / "taxonomy.toml"
    path.write_text(changed, encoding="utf-8")
    return path


async def _core(tmp_path: Path, taxonomy: Path | None) -> Core:
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    if taxonomy is not None:
        data["nlp"] = {"taxonomy": str(taxonomy)}
    return await open_core(settings_from_dict(data, environ={}), secret=b"k")


async def _themes(core: Core) -> dict[str, list[tuple[str, float, list[str]]]]:
    async with core.repo.transaction() as session:
        answers = await session.list_answers(include_hidden=True)
    return {a.text: [(t.theme_id, t.score, t.evidence) for t in a.themes] for a in answers}


async def test_added_keyword_retags_only_answers_that_contain_it(tmp_path: Path) -> None:
    """One added keyword: two of five answers are re-tagged, and they gain its evidence."""
    core = await _core(tmp_path, None)
    try:
        await ensure_snapshot(core)
        await seed_text_round(core, TEXTS)
    finally:
        await core.repo.close()
    changed = await _core(tmp_path, _taxonomy_with_new_keyword(tmp_path))
    try:
        result = await retag_answers(changed)
        assert result.incremental
        assert result.seen == len(TEXTS)
        assert result.retagged == sum(NEW_KEYWORD in t for t in TEXTS) == 2
        themes = await _themes(changed)
        for text in TEXTS:
            evidence = {w for _, _, words in themes[text] for w in words}
            assert (NEW_KEYWORD in evidence) == (NEW_KEYWORD in text), (text, themes[text])
        incremental = themes
        full = await retag_answers(changed, full=True)
        assert not full.incremental and full.retagged == len(TEXTS) and full.changed == 0
        assert await _themes(changed) == incremental
    finally:
        await changed.repo.close()


async def test_without_snapshot_everything_is_retagged(tmp_path: Path) -> None:
    """Answers stored before any snapshot are all re-tagged (their origin is unknown)."""
    core = await _core(tmp_path, None)
    try:
        await seed_text_round(core, TEXTS)
        await ensure_snapshot(core)  # answers exist: no snapshot is invented for them
        result = await retag_answers(core)
        assert not result.incremental and result.retagged == len(TEXTS)
        again = await retag_answers(core)
        assert again.incremental and again.retagged == 0
    finally:
        await core.repo.close()


async def test_a_start_after_the_taxonomy_changed_says_to_retag(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A start on answers tagged with another taxonomy (an upgrade that ships a new one) warns
    that their themes stay as they were until `minyi retag`; a start after the retag does not."""
    caplog.set_level(logging.WARNING)
    core = await _core(tmp_path, None)
    try:
        await ensure_snapshot(core)
        await seed_text_round(core, TEXTS)
        caplog.clear()
        await ensure_snapshot(core)
        assert "minyi retag" not in caplog.text
    finally:
        await core.repo.close()
    changed = await _core(tmp_path, _taxonomy_with_new_keyword(tmp_path))
    try:
        caplog.clear()
        await ensure_snapshot(changed)
        assert "minyi retag" in caplog.text
        await retag_answers(changed)
        caplog.clear()
        await ensure_snapshot(changed)
        assert "minyi retag" not in caplog.text
    finally:
        await changed.repo.close()
