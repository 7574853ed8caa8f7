"""An edit takes a labelled answer's old text out of the learned models too.

An edited answer replaces the stored one (SPEC: edited answers replace the stored one), and
its /label label stays, now on the new text. The models learned from that label still held
the words of the old text, and nothing had them learned again: only a deletion (/forget,
retention) counted, so a resident who edited their name out of a labelled answer left it in
the principle and domain models until enough new labels came. An edit of a labelled answer
now counts like a deletion: the next tick learns again, from the texts as they are.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_relearn_after_erasure import (
    LABELS,
    NAME,
    OTHERS,
    THEIRS,
    _answer,
    _assert_relearned_without_the_name,
    _consultation,
    _learn_everything,
    _scheduler,
    _tick_and_learn,
    hour_ticks,  # noqa: F401 - the fixture
)
from tests.harness import start_bot


async def test_editing_the_name_out_relearns_the_models_without_it(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    hour_ticks: dict[str, float],  # noqa: F811
) -> None:
    """赵 edits the made-up name out of both labelled answers: the next tick relearns both
    models, which no longer know it; a tick after that has nothing to do."""
    async with start_bot(
        emulator, tmp_path, nlp={"learn_every": LABELS}, schedule=hour_ticks
    ) as bot:
        group, post = await _consultation(bot)
        zhao = emulator.add_user("赵")
        sent = [emulator.send_message(zhao, group, text, reply_to=post) for text in THEIRS]
        await bot.settle()
        await _answer(bot, group, post, OTHERS, None)
        await _learn_everything(bot)
        scheduler = _scheduler(bot.core)
        assert not await _tick_and_learn(bot.core, scheduler)  # nothing changed yet

        for message_id, text in zip(sent, THEIRS, strict=True):
            emulator.edit_message(zhao, group, message_id, text.replace(NAME, "我"))
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            assert not [t for _, t, _ in await session.list_labels() if NAME in t]

        assert await _tick_and_learn(bot.core, scheduler)
        await _assert_relearned_without_the_name(bot.core)
        assert not await _tick_and_learn(bot.core, scheduler)
