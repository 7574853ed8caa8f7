"""A process tags with the learned models another process sharing its database stored or
removed (/label learning and relearning after a deletion run in one process only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.config import settings_from_dict
from bot.core.base import PRINCIPLE_MODEL_NAME, Core, open_core
from bot.core.labelling import drop_learned, follow_stored_models, store_learned
from nlp.learn import train_multilabel
from nlp.model import LearnedModel, default_principle_model
from nlp.taxonomy import load_taxonomy


async def _core(path: Path) -> Core:
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{path}"}}
    return await open_core(settings_from_dict(data, environ={}), secret=b"k")


async def test_a_second_process_follows_models_stored_and_removed_by_the_first(
    tmp_path: Path,
) -> None:
    """Process B notes what is stored; A stores a learned principle model, and B's next look
    tags with it (exactly those bytes); nothing changed, nothing is reloaded; A removes it,
    and B returns to the shipped model."""
    database = tmp_path / "shared.db"
    a, b = await _core(database), await _core(database)
    try:
        shipped = default_principle_model()
        assert shipped is not None
        assert not await follow_stored_models(b)  # the first look only notes what is stored
        taxonomy = a.tagger.taxonomy
        principles = [t.id for t in taxonomy.by_kind("principle")]
        examples = [
            ("物业的账目应该每个月公开，让业主都能看到。", ["transparency"]),
            ("社区的决定要先征求居民的意见，开会讨论。", ["participation"]),
        ] * 6
        learned = train_multilabel(examples, taxonomy, principles)
        await store_learned(a, learned, erasures=0)
        before = b.tagger
        assert await follow_stored_models(b)
        assert b.tagger is not before
        assert b.tagger.principle_model is not None
        assert b.tagger.principle_model.to_bytes() == learned.to_bytes()
        assert not await follow_stored_models(b), "nothing changed: no reload"
        await drop_learned(a)
        assert await follow_stored_models(b)
        assert b.tagger.principle_model is not None
        assert b.tagger.principle_model.to_bytes() == shipped.to_bytes()
        assert b.tagger.domain_model is None
    finally:
        await a.repo.close()
        await b.repo.close()


async def test_a_stored_principle_model_that_no_longer_fits_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A principle model learned from labels that names a theme the taxonomy lost since (or
    that is no principle model at all) is left aside, at start and when another process
    stores it: the principle model of no label tags, with a warning, and nothing fails."""
    database = tmp_path / "shared.db"
    a, b = await _core(database), await _core(database)
    try:
        shipped = default_principle_model()
        assert shipped is not None
        assert not await follow_stored_models(b)
        stale = LearnedModel(
            labels=["transparency", "lost_principle"],
            vocabulary=["公开"],
            idf=np.ones(1),
            coef=np.ones((2, 1)),
            intercept=np.zeros(2),
            thresholds=[0.5, 0.5],
        )
        async with a.repo.transaction() as session:
            await session.set_model(PRINCIPLE_MODEL_NAME, stale.to_bytes(), a.now())
        assert await follow_stored_models(b)
        assert b.tagger.principle_model is not None
        assert b.tagger.principle_model.to_bytes() == shipped.to_bytes()
        assert "does not fit the taxonomy" in caplog.text
    finally:
        await a.repo.close()
        await b.repo.close()
    for wrong in (stale, train_multilabel(_EXAMPLES, taxonomy := load_taxonomy(), ["noise"])):
        first = await _core(database)
        try:
            async with first.repo.transaction() as session:
                await session.set_model(PRINCIPLE_MODEL_NAME, wrong.to_bytes(), first.now())
        finally:
            await first.repo.close()
        restarted = await _core(database)  # a restart
        try:
            assert restarted.tagger.taxonomy == taxonomy
            assert restarted.tagger.principle_model is not None
            assert restarted.tagger.principle_model.to_bytes() == shipped.to_bytes()
        finally:
            await restarted.repo.close()


_EXAMPLES = [
    ("广场舞音响太吵了，晚上没法睡觉。", ["noise"]),
    ("物业的账目应该每个月公开。", []),
] * 6
