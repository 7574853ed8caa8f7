"""The tagging helper process (bot/core/tag_helper.py): same themes as tagging here, on two cores,
and never a lost or different answer when it is missing, dies or is not ready."""

from __future__ import annotations

import csv
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Settings, settings_from_dict
from bot.core import tag_helper
from bot.core.tag_helper import MIN_SHARED, TagHelper
from nlp.learn import train
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy

LABELLED = Path(__file__).resolve().parents[2] / "data" / "principles_labelled.csv"


def _texts() -> list[str]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


TEXTS = _texts()[:60]


def _settings() -> Settings:
    return settings_from_dict(
        {"telegram": {"token": "1:x"}, "storage": {"url": "sqlite:///unused.db"}}, environ={}
    )


@pytest_asyncio.fixture
async def helper() -> AsyncIterator[TagHelper]:
    """A started helper for the built-in taxonomy, ready to take part."""
    running = TagHelper(_settings())
    running.start()
    running.attach(Tagger(load_taxonomy(None)))
    await running.wait_ready(60)
    try:
        yield running
    finally:
        await running.close()


async def test_a_big_batch_is_shared_and_tagged_exactly_as_here(helper: TagHelper) -> None:
    """Half of a 60-text batch goes to the helper; every text's themes equal local tagging."""
    assert await helper.tag_many(TEXTS) == helper.tagger.tag_many(TEXTS)
    assert helper.shared_batches == 1
    assert await helper.tag_many(TEXTS[: MIN_SHARED - 1]) == helper.tagger.tag_many(
        TEXTS[: MIN_SHARED - 1]
    )
    assert helper.shared_batches == 1  # a small batch is tagged here alone


async def test_a_batch_that_fails_midway_leaves_nothing_for_the_next(helper: TagHelper) -> None:
    """The work done meanwhile (a database write) fails after the helper got its texts: the
    next batch, with as many texts, still gets its own themes, not the abandoned answer."""

    async def failing_write() -> None:
        raise RuntimeError("database is locked")

    others = list(reversed(TEXTS))
    with pytest.raises(RuntimeError, match="locked"):
        await helper.tag_many(TEXTS, meanwhile=failing_write)
    written: list[str] = []

    async def write() -> None:
        written.append("rows")

    assert await helper.tag_many(others, meanwhile=write) == helper.tagger.tag_many(others)
    assert written == ["rows"] and helper.shared_batches == 1


async def test_a_dead_helper_costs_nothing_and_is_replaced(
    helper: TagHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between batches: the next batch is tagged here in full, then a new helper
    starts (after RESTART_AFTER, shortened here) and takes part again."""
    monkeypatch.setattr(tag_helper, "RESTART_AFTER", 0.0)
    expected = helper.tagger.tag_many(TEXTS)
    first = helper.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert await helper.tag_many(TEXTS) == expected
    assert helper.shared_batches == 0 and helper.pid is None
    assert await helper.tag_many(TEXTS) == expected  # starts a new helper, tags here meanwhile
    await helper.wait_ready(60)
    assert helper.pid not in (None, first)
    assert await helper.tag_many(TEXTS) == expected
    assert helper.shared_batches == 1


async def test_the_helper_uses_the_learned_model_too() -> None:
    """A deployment's learned model goes to the helper: the shared batch scores the same."""
    taxonomy = load_taxonomy(None)
    with LABELLED.open(encoding="utf-8") as handle:
        examples = [(row["text"], row["label"]) for row in csv.DictReader(handle)]
    tagger = Tagger(taxonomy, train(examples, taxonomy))
    running = TagHelper(_settings())
    running.start()
    running.attach(tagger)
    try:
        await running.wait_ready(60)
        assert await running.tag_many(TEXTS) == tagger.tag_many(TEXTS)
        assert running.shared_batches == 1
    finally:
        await running.close()
    assert running.pid is None
