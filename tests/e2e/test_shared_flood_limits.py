"""Telegram's flood limits kept together by two `minyi run --webhook` processes behind a load
balancer on one PostgreSQL database (SPEC §8, §9): a group gets at most 20 messages in any
minute from both together, and a flood wait Telegram asked of one process pauses the other for
that chat as well.

Each process once kept the limits in its own memory: two of them let a group have 40 messages
a minute, and a `retry_after` was known only to the process that got it.

What is checked is the emulator's record of the calls (on its own clock), never how long
anything took.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from sandbox.models import RecordedCall, SimChat, SimUser
from tests.e2e.processes import LoadBalancer, webhook_deployment
from tests.harness import SECRET

NO_ROUNDS = "还没有征询"
# What Telegram's limits count as a message to a chat (bot/telegram/flood.py MESSAGE_METHODS).
MESSAGE_PREFIXES = ("send", "edit", "stop", "copy", "forward")


@dataclass
class Deployment:
    emulator: BotAPIEmulator
    organiser: SimUser
    balancer: LoadBalancer


@contextlib.asynccontextmanager
async def two_processes(em: BotAPIEmulator, tmp_path: Path) -> AsyncIterator[Deployment]:
    """Two real webhook processes on a fresh PostgreSQL schema, behind a round-robin balancer."""
    organiser = em.add_user("Organiser", language_code="zh-hans")
    extra = '[rounds]\nreminder_before = ""\n'
    async with webhook_deployment(em, organiser, tmp_path, secret=SECRET, extra=extra) as d:
        yield Deployment(em, organiser, d.balancer)


async def registered(d: Deployment, title: str, community: str) -> SimChat:
    em = d.emulator
    group = em.add_group(title)
    em.add_bot_to_group(group, d.organiser)
    em.send_message(d.organiser, group, f"/community {community}")
    await em.wait_for(lambda: any(community in t for t in texts(em, group)), 30)
    return group


def texts(em: BotAPIEmulator, group: SimChat) -> list[str]:
    return [m.get("text", "") for m in em.messages_to(group.id)]


def messages_to(em: BotAPIEmulator, group: SimChat) -> list[RecordedCall]:
    """Every call the processes made that Telegram counts as a message to `group`."""
    return [
        c
        for c in em.calls
        if c.method.startswith(MESSAGE_PREFIXES) and str(c.params.get("chat_id")) == str(group.id)
    ]


def most_in_a_minute(calls: list[RecordedCall]) -> int:
    """The most of `calls` that the emulator received within any 60 s of its clock."""
    times = sorted(c.time for c in calls)
    return max(
        (sum(1 for t in times[i:] if t < start + 60.0) for i, start in enumerate(times)), default=0
    )


async def test_two_processes_keep_a_groups_minute_and_its_flood_wait_together(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    async with two_processes(emulator, tmp_path) as d:
        await _a_flood_wait_pauses_both(d)
        await _a_groups_minute_is_shared(d)


async def _a_flood_wait_pauses_both(d: Deployment) -> None:
    """Telegram asks one process to wait 20 s before writing to group B; replies to B owed
    meanwhile by both processes go out only once the 20 s are over, and none is lost."""
    em = d.emulator
    group = await registered(d, "花果园居民群", "花果园社区")
    wait = 20
    em.inject_fault("429", method="sendMessage", retry_after=wait, chat_id=group.id)
    em.send_message(d.organiser, group, "/rounds")
    await em.wait_for(lambda: any(c.error_code == 429 for c in messages_to(em, group)), 30)
    (refused,) = [c for c in messages_to(em, group) if c.error_code == 429]
    before = Counter(d.balancer.forwarded)
    for _ in range(4):
        em.send_message(d.organiser, group, "/rounds")
    # Both processes owe group B a reply during the wait.
    await em.wait_for(lambda: sum(d.balancer.forwarded.values()) - sum(before.values()) == 4, 30)
    assert all(d.balancer.forwarded[b] > before[b] for b in d.balancer.backends), (
        d.balancer.forwarded,
        before,
    )

    await em.wait_for(lambda: sum(NO_ROUNDS in t for t in texts(em, group)) == 5, 120)
    early = [c for c in messages_to(em, group) if refused.time < c.time < refused.time + wait]
    assert early == [], f"{len(early)} messages sent to group B during its flood wait"


async def _a_groups_minute_is_shared(d: Deployment) -> None:
    """Twenty-four replies owed to group A, spread over both processes: never more than 20 of
    them (with the registration's confirmation) reach the group within a minute."""
    em = d.emulator
    group = await registered(d, "会展城业主群", "会展城社区")
    before = Counter(d.balancer.forwarded)
    for _ in range(24):
        em.send_message(d.organiser, group, "/rounds")
    await em.wait_for(lambda: sum(NO_ROUNDS in t for t in texts(em, group)) == 24, 180)
    assert all(d.balancer.forwarded[b] - before[b] >= 10 for b in d.balancer.backends)
    sent = [c for c in messages_to(em, group) if c.ok]
    assert len(sent) == 25
    assert most_in_a_minute(sent) <= 20
