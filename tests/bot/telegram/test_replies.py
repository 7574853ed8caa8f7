"""The per-chat reply queue: chats never wait on each other, refusals are capped, shutdown is
clean."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.base import OwedReply
from bot.telegram.replies import ReplyQueue


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def recorder(
    sent: list[str],
    name: str,
    gate: asyncio.Event | None = None,
    done: asyncio.Event | None = None,
) -> OwedReply:
    """A reply to chat 1 (or -1 when gated) that records its name (and sets `done`) when it
    is sent."""

    async def send() -> None:
        if gate is not None:
            await gate.wait()
        sent.append(name)
        if done is not None:
            done.set()

    return OwedReply(chat_id=-1 if gate is not None else 1, send=send)


async def test_a_stuck_chat_does_not_hold_another() -> None:
    """A chat whose send hangs (Telegram throttling it) lets another chat's reply through."""
    sent: list[str] = []
    gate = asyncio.Event()
    queue = ReplyQueue(label=str)
    queue.put(recorder(sent, "group", gate))
    private_sent = asyncio.Event()
    queue.put(recorder(sent, "private", done=private_sent))
    await private_sent.wait()
    assert sent == ["private"]
    assert queue.busy_chats() == 1
    gate.set()
    await queue.wait_idle()
    assert sent == ["private", "group"]
    assert queue.busy_chats() == 0


async def test_one_chat_keeps_its_order() -> None:
    """Replies to one chat go out in the order they were queued."""
    sent: list[str] = []
    queue = ReplyQueue(label=str)
    queue.put_all([recorder(sent, str(i)) for i in range(5)])
    await queue.wait_idle()
    assert sent == ["0", "1", "2", "3", "4"]


async def test_refusals_are_capped_per_chat_and_minute_and_counted_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Beyond the cap refusals are dropped, logged as one count per chat when the minute is
    over, and allowed again after it; ordinary replies are never capped."""
    sent: list[str] = []
    clock = Clock()
    queue = ReplyQueue(label=lambda c: f"chat{c}", clock=clock, refusals_per_minute=2)

    def refusal(name: str) -> OwedReply:
        async def send() -> None:
            sent.append(name)

        return OwedReply(chat_id=-5, send=send, refusal=True)

    caplog.set_level(logging.INFO, logger="bot.telegram.replies")
    for i in range(7):
        queue.put(refusal(f"no{i}"))
    queue.put(OwedReply(chat_id=-5, send=recorder(sent, "receipt").send))
    await queue.wait_idle()
    assert sent == ["no0", "no1", "receipt"]
    assert not [r for r in caplog.records if "dropped" in r.getMessage()]
    clock.now += 61
    queue.put(refusal("later"))
    await queue.wait_idle()
    assert sent[-1] == "later"
    lines = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert lines == ["5 replies to chat chat-5 dropped (over its cap)"]


async def test_a_private_chat_has_its_own_larger_cap() -> None:
    """A private chat (positive id) gets `private_per_minute` capped replies a minute, a group
    `refusals_per_minute`, each counted apart."""
    sent: list[int] = []
    queue = ReplyQueue(label=str, clock=Clock(), refusals_per_minute=2, private_per_minute=5)

    def capped(chat: int) -> OwedReply:
        async def send() -> None:
            sent.append(chat)

        return OwedReply(chat_id=chat, send=send, refusal=True)

    for _ in range(9):
        queue.put(capped(-5))
        queue.put(capped(42))
    await queue.wait_idle()
    assert (sent.count(-5), sent.count(42)) == (2, 5)


async def test_refusals_are_allowed_again_soon_after_the_clock_went_back() -> None:
    """A chat at its refusal cap when the clock is set back a day (the application gives the
    queue the core's clock) gets a refusal again within the minute, not a day later."""
    sent: list[str] = []
    clock = Clock()
    clock.now = 86400.0 * 2
    queue = ReplyQueue(label=str, clock=clock, refusals_per_minute=1)

    def refusal(name: str) -> OwedReply:
        async def send() -> None:
            sent.append(name)

        return OwedReply(chat_id=-5, send=send, refusal=True)

    queue.put(refusal("before"))
    queue.put(refusal("capped"))
    await queue.wait_idle()
    clock.now -= 86400.0
    queue.put(refusal("after"))
    await queue.wait_idle()
    assert sent == ["before", "after"]


async def test_a_failing_send_does_not_stop_the_line(caplog: pytest.LogCaptureFixture) -> None:
    """A reply that raises is logged by type only and the next one still goes."""
    sent: list[str] = []

    async def broken() -> None:
        raise RuntimeError("秘密的回答内容")

    queue = ReplyQueue(label=lambda c: "p:pseudonym")
    queue.put(OwedReply(chat_id=987654321, send=broken))
    queue.put(OwedReply(chat_id=987654321, send=recorder(sent, "next").send))
    await queue.wait_idle()
    assert sent == ["next"]
    text = caplog.text
    assert "RuntimeError" in text and "p:pseudonym" in text
    assert "987654321" not in text and "秘密" not in text


async def test_close_drains_then_drops_what_cannot_go(caplog: pytest.LogCaptureFixture) -> None:
    """Shutdown sends what it can, drops a hung chat's line after the deadline (counted), ends
    every worker and refuses later replies."""
    sent: list[str] = []
    never = asyncio.Event()
    queue = ReplyQueue(label=str)
    quick_sent = asyncio.Event()
    queue.put(recorder(sent, "quick", done=quick_sent))
    queue.put(recorder(sent, "hung", never))
    queue.put(recorder(sent, "behind the hung one", never))
    await quick_sent.wait()
    await queue.close(timeout=0.01)
    assert sent == ["quick"]
    assert queue.busy_chats() == 0 and queue.waiting() == 0
    assert "1 replies not sent" in caplog.text
    queue.put(recorder(sent, "after close"))
    await queue.wait_idle()
    assert sent == ["quick"]
