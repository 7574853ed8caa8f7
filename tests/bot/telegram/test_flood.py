"""Telegram's flood limits per chat (bot/telegram/flood.py), on a clock the test moves: a
group's 21st message in a minute waits, other chats do not wait for it, and a flood wait pauses
only the chat Telegram asked it of."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter

from bot.telegram.flood import FloodLimiter, deferring


class Time:
    """A clock whose sleeps move it (and record how long each was)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(time: Time) -> FloodLimiter:
    return FloodLimiter(clock=time.clock, sleep=time.sleep)


async def send(
    flood: FloodLimiter, chat: int | str, sent: list[tuple[Any, float]], time: Time
) -> None:
    async def call() -> bool:
        sent.append((chat, time.now))
        return True

    await flood.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)


async def test_the_21st_message_to_a_group_waits_until_the_first_is_a_minute_old() -> None:
    time = Time()
    flood = limiter(time)
    sent: list[tuple[Any, float]] = []
    for _ in range(20):
        await send(flood, -100, sent, time)
    assert time.slept == []
    await send(flood, -100, sent, time)
    assert sent[-1][1] - sent[0][1] >= 60.0
    # A private chat and another group are not held by group -100's full minute.
    before = time.now
    await send(flood, 42, sent, time)
    await send(flood, -200, sent, time)
    assert time.now == before


async def test_a_channel_name_counts_as_a_group() -> None:
    time = Time()
    flood = limiter(time)
    sent: list[tuple[Any, float]] = []
    for _ in range(21):
        await send(flood, "@minyi_channel", sent, time)
    assert sent[-1][1] - sent[0][1] >= 60.0


async def test_thirty_a_second_overall() -> None:
    time = Time()
    flood = limiter(time)
    sent: list[tuple[Any, float]] = []
    for chat in range(1, 32):
        await send(flood, chat, sent, time)
    assert sent[30][1] - sent[0][1] >= 1.0
    assert sent[29][1] == sent[0][1]


class HeldTime(Time):
    """A clock that moves only when the test says: sleepers wait for it."""

    def __init__(self) -> None:
        super().__init__()
        self._moved = asyncio.Event()
        self.sleeping = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.sleeping.set()
        until = self.now + seconds
        while self.now < until:
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()
        self._moved = asyncio.Event()


async def test_a_flood_wait_pauses_only_its_chat() -> None:
    time = HeldTime()
    flood = FloodLimiter(clock=time.clock, sleep=time.sleep)
    calls: list[int] = []

    async def to_group() -> bool:
        calls.append(-100)
        if len(calls) == 1:
            raise RetryAfter(30)
        return True

    async def to_resident() -> bool:
        calls.append(42)
        return True

    def request(call: Any, chat: int) -> Any:
        return flood.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    group = asyncio.create_task(request(to_group, -100))
    # The group's first attempt is refused: it waits, the clock held still.
    await asyncio.wait_for(time.sleeping.wait(), 5)
    await asyncio.wait_for(request(to_resident, 42), 5)
    assert calls == [-100, 42], "the resident's send waited for the group's flood wait"
    assert not group.done()
    time.advance(31)
    assert await asyncio.wait_for(group, 5) is True
    assert calls == [-100, 42, -100]


async def test_a_flood_wait_met_too_often_is_raised() -> None:
    time = Time()
    flood = FloodLimiter(clock=time.clock, sleep=time.sleep, max_retries=2)
    attempts: list[float] = []

    async def refused() -> bool:
        attempts.append(time.now)
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await flood.process_request(refused, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert len(attempts) == 3


async def test_sends_that_failed_on_the_server_do_not_use_up_a_groups_minute() -> None:
    """A round post retried on every tick while Telegram answers 500 leaves the group's minute
    free for its summary once Telegram is back."""
    time = Time()
    flood = limiter(time)

    async def failing() -> bool:
        raise NetworkError("Internal Server Error")

    for _ in range(25):
        with pytest.raises(NetworkError):
            await flood.process_request(failing, (), {}, "stopPoll", {"chat_id": -100}, None)
    await send(flood, -100, [], time)
    assert time.slept == []


async def test_look_ups_in_a_group_are_no_messages_to_it() -> None:
    """getChatMember (a resident following a round's private link) is no message to the group:
    thirty of them in a minute wait for nothing, and leave the group's minute free."""
    time = Time()
    flood = limiter(time)

    async def member() -> bool:
        return True

    for _ in range(30):
        await flood.process_request(member, (), {}, "getChatMember", {"chat_id": -100}, None)
    for _ in range(20):
        await send(flood, -100, [], time)
    assert time.slept == []


async def test_a_flood_wait_raised_after_its_last_retry_still_pauses_the_chat() -> None:
    """The request that gave up is not the chat's last: the next one waits out the flood wait
    instead of meeting it again (Telegram lengthens a wait that is not honoured)."""
    time = Time()
    flood = FloodLimiter(clock=time.clock, sleep=time.sleep, max_retries=0)

    async def refused() -> bool:
        raise RetryAfter(30)

    with pytest.raises(RetryAfter):
        await flood.process_request(refused, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert flood.waiting(-100) >= 30
    sent: list[tuple[Any, float]] = []
    start = time.now
    await send(flood, -100, sent, time)
    assert sent[0][1] - start >= 30


async def test_a_deferring_sender_gets_its_first_flood_wait_at_once() -> None:
    """The outbox's post meets a flood wait at its first message: raised without waiting (the
    chat paused); once a message of the post went out, a later flood wait is waited out."""
    time = Time()
    flood = limiter(time)
    calls: list[str] = []

    async def refused() -> bool:
        calls.append("refused")
        raise RetryAfter(30)

    with deferring(), pytest.raises(RetryAfter):
        await flood.process_request(refused, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert calls == ["refused"] and time.slept == []
    assert flood.waiting(-100) >= 30 and flood.waiting(-200) == 0

    async def second_refused_once() -> bool:
        calls.append("second")
        if calls.count("second") == 1:
            raise RetryAfter(5)
        return True

    with deferring():
        await send(flood, -200, [], time)
        result = await flood.process_request(
            second_refused_once, (), {}, "sendMessage", {"chat_id": -200}, None
        )
    assert result is True and calls.count("second") == 2


async def test_waiting_tells_a_groups_full_minute() -> None:
    time = Time()
    flood = limiter(time)
    for _ in range(20):
        await send(flood, -100, [], time)
    assert 0 < flood.waiting(-100) <= 60
    assert flood.waiting(-200) == 0 and flood.waiting(42) == 0
    time.now += 60
    assert flood.waiting(-100) == 0


async def test_a_request_cancelled_before_it_was_sent_leaves_its_groups_minute_free() -> None:
    """A reply to a group waits for the overall second and is cancelled (its line dropped at
    shutdown, a timeout): the group's minute does not count it, so twenty more go at once."""
    time = HeldTime()
    flood = FloodLimiter(clock=time.clock, sleep=time.sleep)
    for chat in range(1, 31):
        await send(flood, chat, [], time)
    waiting = asyncio.create_task(send(flood, -100, [], time))
    await asyncio.wait_for(time.sleeping.wait(), 5)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    time.advance(1)
    time.slept.clear()
    for _ in range(20):
        await asyncio.wait_for(send(flood, -100, [], time), 5)
    assert time.slept == []


async def test_posts_to_many_groups_leave_a_share_of_each_second_to_replies() -> None:
    """Posts sent inside `deferring` (the outboxes) take at most 25 of the 30 messages a
    second: after 25 posts, five replies in private still go at once, and a 26th post waits
    for the next second (with or without the replies)."""
    for replies in (0, 5):
        time = Time()
        flood = limiter(time)
        sent: list[tuple[Any, float]] = []
        with deferring():
            for chat in range(-1, -26, -1):
                await send(flood, chat, sent, time)
        for _ in range(replies):
            await send(flood, 42, sent, time)
        assert time.slept == []
        with deferring():
            await send(flood, -26, sent, time)
        assert sent[-1][1] - sent[0][1] >= 1.0


async def album(
    flood: FloodLimiter, chat: int, items: int, sent: list[tuple[Any, float]], time: Time
) -> None:
    async def call() -> list[dict[str, Any]]:
        sent.append((chat, time.now))
        return [{}] * items

    media = [object()] * items
    await flood.process_request(
        call, (), {}, "sendMediaGroup", {"chat_id": chat, "media": media}, None
    )


async def test_an_album_counts_as_many_messages_as_it_has_items() -> None:
    """Telegram delivers each item of an album as a message: two albums of ten fill a group's
    minute, so the third waits for the first to be a minute old; three albums of ten fill the
    bot's second, so the fourth (to any chat) waits a second."""
    time = Time()
    flood = limiter(time)
    sent: list[tuple[Any, float]] = []
    await album(flood, -100, 10, sent, time)
    await album(flood, -100, 10, sent, time)
    assert time.slept == []
    await album(flood, -100, 2, sent, time)
    assert sent[-1][1] - sent[0][1] >= 60.0

    time, sent = Time(), []
    flood = limiter(time)
    for chat in (1, 2, 3):
        await album(flood, chat, 10, sent, time)
    assert time.slept == []
    await send(flood, 4, sent, time)
    assert sent[-1][1] - sent[0][1] >= 1.0
