"""Injected faults reach PTB as the errors a real Telegram outage would raise."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat

# PTB itself warns about the future type of RetryAfter.retry_after when it builds the error.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _group(emulator: BotAPIEmulator) -> SimChat:
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    return group


async def test_429_raises_retry_after_and_sends_nothing(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A 429 with retry_after makes PTB raise RetryAfter; the message is not posted."""
    group = _group(emulator)
    emulator.inject_fault("429", method="sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await emulator_bot.send_message(group.id, "第一条")
    # The wait Telegram asked for, whichever form PTB gives it (bot/app.py opts in to
    # timedelta periods: the message then reads "Retry in 0:00:07").
    wait = raised.value.retry_after
    assert (wait if isinstance(wait, int) else wait.total_seconds()) == 7
    assert emulator.messages_to(group.id) == []
    failed = emulator.calls_to("sendMessage")[0]
    assert (failed.ok, failed.error_code) == (False, 429)
    await emulator_bot.send_message(group.id, "第一条")
    assert [m["text"] for m in emulator.messages_to(group.id)] == ["第一条"]


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_server_errors_and_drops_raise_network_error(
    emulator: BotAPIEmulator, emulator_bot: Bot, kind: str
) -> None:
    """5xx answers and dropped connections make PTB raise NetworkError; nothing is posted."""
    group = _group(emulator)
    emulator.inject_fault(kind, method="sendMessage")  # type: ignore[arg-type]
    with pytest.raises(NetworkError):
        await emulator_bot.send_message(group.id, "报告")
    assert emulator.messages_to(group.id) == []


async def test_drop_after_posts_but_the_bot_sees_an_error(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """drop_after: the message is posted, yet the bot gets a NetworkError (a retry duplicates)."""
    group = _group(emulator)
    emulator.inject_fault("drop_after", method="sendMessage")
    with pytest.raises(NetworkError):
        await emulator_bot.send_message(group.id, "报告")
    assert [m["text"] for m in emulator.messages_to(group.id)] == ["报告"]


async def test_fault_count_and_method_matching(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """A fault hits exactly `count` matching calls; method=None spares the getUpdates long poll."""
    group = _group(emulator)
    emulator.inject_fault("500", count=2)
    assert await emulator_bot.get_updates()
    for _ in range(2):
        with pytest.raises(NetworkError):
            await emulator_bot.send_chat_action(group.id, "typing")
    assert await emulator_bot.send_chat_action(group.id, "typing")
    emulator.inject_fault("drop", method="getUpdates")
    with pytest.raises(NetworkError):
        await emulator_bot.get_updates()
    assert emulator.pending_updates > 0


async def test_flood_control_refuses_the_21st_message_a_minute_in_a_group(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """With flood control on, a group takes 20 messages a minute; the next is a 429."""
    group = _group(emulator)
    flood = emulator.enable_flood_control()
    for n in range(20):
        await emulator_bot.send_message(group.id, f"第{n}条")
    with pytest.raises(RetryAfter):
        await emulator_bot.send_message(group.id, "太多了")
    assert flood.violations == 1
    assert len(emulator.messages_to(group.id)) == 20
