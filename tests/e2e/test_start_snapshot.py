"""What a starting bot records and says about the taxonomy and models its stored tags were made
with (`bot.core.retag`): a new deployment records them before it takes the first update; one
whose answers were tagged with another taxonomy says so, beside the start, until `minyi retag`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.core.retag import SNAPSHOT, retag_answers, warn_if_retag_due
from sandbox.emulator import BotAPIEmulator
from tests.bot.core.test_retag import TEXTS, _taxonomy_with_new_keyword
from tests.harness import run_bot
from tests.seeding import seed_text_round

WARNING = "until `minyi retag`"


async def test_a_new_deployment_has_its_snapshot_before_the_first_update(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """By the first getUpdates the snapshot of a new deployment is stored, naming the
    taxonomy in use; nothing is said about retagging."""
    caplog.set_level(logging.WARNING)
    async with run_bot(emulator, tmp_path) as bot:
        async with bot.core.repo.transaction() as session:
            stored = await session.get_model(SNAPSHOT)
        assert stored is not None
        themes = {t["id"] for t in json.loads(stored)["taxonomy"]["themes"]}
        assert themes == {t.id for t in bot.core.tagger.taxonomy.themes}
    assert WARNING not in caplog.text


async def test_a_start_on_answers_of_another_taxonomy_warns_until_retag(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Answers stored under the shipped taxonomy, then a start with one keyword added: the
    running bot logs that their themes stay until `minyi retag`; after the retag, a start
    says nothing."""
    caplog.set_level(logging.WARNING)
    async with run_bot(emulator, tmp_path) as bot:
        await seed_text_round(bot.core, TEXTS)
    assert WARNING not in caplog.text
    changed = {"nlp": {"taxonomy": str(_taxonomy_with_new_keyword(tmp_path))}}
    async with run_bot(emulator, tmp_path, **changed) as bot:
        # The comparison runs beside the start: wait for its word, not for a time.
        await emulator.wait_for(lambda: WARNING in caplog.text, 30)
        result = await retag_answers(bot.core)
        assert result.retagged == sum("快递柜" in t for t in TEXTS)
    caplog.clear()
    async with run_bot(emulator, tmp_path, **changed) as bot:
        # A start that has nothing to say: the same comparison, awaited by hand, stays quiet.
        await warn_if_retag_due(bot.core)
    assert WARNING not in caplog.text
