"""A process tags with the learned models another process sharing its database stored or
removed (/label learning and relearning after a deletion run in one process only)."""

from __future__ import annotations

from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.labelling import drop_learned, follow_stored_models, store_learned
from nlp.learn import train_multilabel
from nlp.model import default_principle_model


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
