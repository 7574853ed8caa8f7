"""One poisoned update cannot stall the intake (issue 14 defect 5).

An edited answer holding a lone surrogate once failed to store, then failed again as a dead
letter, and the loop retried its batch for ever. Now such text is stored with U+FFFD, and the
dead-letter path cannot fail on content (bad Unicode, deep nesting, wrong types): it stores a
safe representation, says "kept in dead_letters" only once that insert committed, and the
intake goes on with the next update.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.privacy import MAX_DEPTH, TOO_DEEP, dead_letter_payload, pseudonym
from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_privacy import ask_in_a_new_group, open_post
from tests.harness import RunningBot, start_bot

LONE = "\ud800"


def nested(depth: int) -> Any:
    """A list nested `depth` levels deep."""
    value: Any = "底"
    for _ in range(depth):
        value = [value]
    return value


async def stored(bot: RunningBot) -> list[str]:
    """Every stored answer's text, oldest first."""
    async with bot.core.repo.transaction() as session:
        return [a.text for a in await session.list_answers(include_hidden=True)]


async def test_lone_surrogates_in_answers_and_edits_are_stored_as_replacement_characters(
    minyi_bot: RunningBot,
) -> None:
    """A new answer and an edit carrying a lone surrogate are stored with U+FFFD, and the
    answer after them is stored too."""
    bot = minyi_bot
    em = bot.emulator
    group, opening = await ask_in_a_new_group(bot, "/ask 1h 你的建议？")
    post = opening["message_id"]
    first, second, third = (em.add_user(n) for n in ("甲", "乙", "丙"))
    edited = em.send_message(first, group, "停车难", reply_to=post)
    await bot.settle()
    em.edit_message(first, group, edited, f"停车{LONE}难，晚上没位")
    em.send_message(second, group, f"路灯{LONE}坏了", reply_to=post)
    em.send_message(third, group, "多种树", reply_to=post)
    await bot.settle()
    assert sorted(await stored(bot)) == sorted(
        ["停车\ufffd难，晚上没位", "路灯\ufffd坏了", "多种树"]
    )


class CommitCheck(logging.Handler):
    """At the moment the intake logs "kept in dead_letters", reads the SQLite file itself to
    see whether the dead letter is already committed."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database = database
        self.committed_when_logged: list[bool] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Check the file for a dead letter of the update the line names."""
        if "kept in dead_letters" not in record.getMessage():
            return
        update_id = record.args[0] if isinstance(record.args, tuple) else None
        with sqlite3.connect(self.database) as db:
            row = db.execute(
                "SELECT count(*) FROM dead_letters WHERE update_id = ?", (update_id,)
            ).fetchone()
        self.committed_when_logged.append(row[0] == 1)


async def test_a_poisoned_update_becomes_a_dead_letter_and_the_intake_goes_on(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """An update whose handler fails and whose content holds a lone surrogate, a 600-deep
    nesting and a chat id of the wrong type is kept as a safe dead letter (logged only after
    the commit); the answer sent after it is stored."""
    bot = minyi_bot
    em = bot.emulator
    group, opening = await ask_in_a_new_group(bot, "/ask 1h 你的建议？")
    post = opening["message_id"]
    poisoner, neighbour = em.add_user("投毒者"), em.add_user("邻居")
    check = CommitCheck(tmp_path / "minyi.db")
    logging.getLogger("bot.telegram.intake").addHandler(check)
    try:
        em.queue_update(
            "message",
            {
                "message_id": 9999,
                "date": em.now(),
                "from": {"id": poisoner.id, "is_bot": False, "first_name": "投毒者"},
                "chat": {"id": "not-a-number", "type": "group", "title": "碧海社区居民群"},
                "text": f"坏{LONE}字",
                "deep": nested(600),
            },
        )
        em.send_message(neighbour, group, "希望多装路灯", reply_to=post)
        await bot.settle(60)
    finally:
        logging.getLogger("bot.telegram.intake").removeHandler(check)
    assert await stored(bot) == ["希望多装路灯"]
    assert check.committed_when_logged == [True]
    async with bot.core.repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT payload FROM dead_letters")
    assert len(rows) == 1
    payload = rows[0]["payload"]
    assert payload.isascii() and str(poisoner.id) not in payload and "投毒者" not in payload
    message = json.loads(payload)["message"]
    assert message["text"] == f"坏{LONE}字"
    assert message["from"]["pseudonym"] == pseudonym(poisoner.id, bot.core.secret)


def test_dead_letter_payload_never_fails_on_content() -> None:
    """Bad Unicode, nesting beyond any recursion limit, non-text keys and values JSON cannot
    hold each give a storable ASCII payload (scrubbed, or the update id and why)."""
    secret = b"test"
    deep = dead_letter_payload({"update_id": 1, "message": {"x": nested(100_000)}}, secret)
    assert deep.isascii() and TOO_DEEP in deep and json.loads(deep)["update_id"] == 1
    assert json.dumps(nested(MAX_DEPTH - 1)) in dead_letter_payload(
        {"update_id": 2, "v": nested(MAX_DEPTH - 1)}, secret
    )
    odd = dead_letter_payload({"update_id": 3, 4: {LONE: LONE}, "text": f"a{LONE}"}, secret)
    assert odd.isascii() and json.loads(odd)["4"] == {LONE: LONE}
    unwritable = dead_letter_payload({"update_id": 5, "v": {1, 2}, "from": {"id": 7}}, secret)
    assert json.loads(unwritable) == {"update_id": 5, "unreadable": "TypeError"}
    assert dead_letter_payload(["not", "an", "update"], secret).isascii()
    nan = dead_letter_payload({"update_id": "x", "v": float("nan")}, secret)
    assert nan.isascii()


async def test_nul_characters_in_answers_edits_and_commands_are_kept_on_every_backend(
    minyi_bot_each: RunningBot,
) -> None:
    """U+0000, which SQLite stores and PostgreSQL refuses, once made a Telegram answer a dead
    letter on PostgreSQL only: the answer was lost. Now it is dropped from the text before
    anything is stored, on both backends alike, and the round's question keeps the rest."""
    bot = minyi_bot_each
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 你的\x00建议？")
    post = open_post(bot, group, "社区征询 #1")["message_id"]
    assert "你的建议？" in bot.bot_texts(group)[-2]
    first, second, third = (em.add_user(n) for n in ("甲", "乙", "丙"))
    edited = em.send_message(first, group, "停车难", reply_to=post)
    await bot.settle()
    em.edit_message(first, group, edited, "停车\x00难，晚上没位")
    em.send_message(second, group, "路灯\x00坏了", reply_to=post)
    em.send_message(third, group, "\x00", reply_to=post)
    await bot.settle()
    assert sorted(await stored(bot)) == sorted(["停车难，晚上没位", "路灯坏了"])
    async with bot.core.repo.transaction() as session:
        assert await session.tx.fetchall("SELECT update_id FROM dead_letters") == []


async def test_an_edit_done_again_after_a_poisoned_neighbour_is_not_counted_twice(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With two answers a minute allowed, a resident answers and then edits; the edit's batch
    also holds a poisoned update, so it is rolled back and done again alone. The edit is
    counted once: it replaces the answer instead of being refused as too fast (and lost)."""
    async with start_bot(emulator, tmp_path, limits={"answers_per_minute": 2}) as bot:
        em = bot.emulator
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 你的建议？")
        post = open_post(bot, group, "社区征询 #1")["message_id"]
        frozen: datetime = bot.core.now()
        bot.core.clock = lambda: frozen
        resident = em.add_user("居民")
        answered = em.send_message(resident, group, "停车位太少了", reply_to=post)
        await bot.settle()
        # Queued without yielding: one batch, rolled back by the poisoned update after it.
        em.edit_message(resident, group, answered, "停车位太少了，晚上回来没地方停")
        em.queue_update(
            "message",
            {
                "message_id": 9999,
                "date": em.now(),
                "from": {"id": resident.id + 1, "is_bot": False, "first_name": "投毒者"},
                "chat": {"id": "not-a-number", "type": "group", "title": "碧海社区居民群"},
                "text": "坏",
            },
        )
        await bot.settle(60)
        assert await stored(bot) == ["停车位太少了，晚上回来没地方停"]
        assert not any("太快" in t for t in bot.bot_texts(group))
