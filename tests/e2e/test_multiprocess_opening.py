"""Two `minyi run --webhook` processes on one PostgreSQL database, both up and both busy when
scheduled rounds fall due: each round's opening reaches each of its communities exactly once.

The processes read the real clock, so the rounds are stored (through the repository, as
/schedule stores them) a few seconds ahead rather than at the next whole minute /schedule
takes. Meanwhile the organiser's /ask commands and residents' answers keep both processes
storing posts and sending owed ones, so the non-leading process sends too at that moment.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from storage.backends.postgres import PostgresBackend
from storage.repository import Repository
from tests.e2e.processes import wait_until, webhook_deployment
from tests.harness import SECRET

NAMES = ("碧海社区", "汇展城社区")
SCHEDULED = 4  # rounds falling due at the same moment, each to both communities
AHEAD = timedelta(seconds=4)


def openings(em: BotAPIEmulator, chat: SimChat) -> Counter[int]:
    """How many opening posts of each round the bot sent to a group."""
    found: Counter[int] = Counter()
    for message in em.messages_to(chat.id):
        text = message.get("text", "")
        if text.startswith("📣 社区征询 #"):
            found[int(text.split("#", 1)[1].split()[0])] += 1
    return found


async def test_two_processes_up_when_rounds_open_post_each_opening_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Rounds that fall due while two processes share the database are opened by one of them
    and posted once per community, though both are up and both send owed posts then."""
    em = emulator
    organiser = em.add_user("Organiser", language_code="zh-hans")
    groups = [em.add_group(f"{name}居民群") for name in NAMES]
    for group in groups:
        em.add_bot_to_group(group, organiser)
    extra = '[rounds]\nreminder_before = ""\n[limits]\nanswers_per_minute = 100\n'
    async with webhook_deployment(em, organiser, tmp_path, secret=SECRET, extra=extra) as d:
        observer = Repository.from_url(d.storage_url)
        await observer.open()
        try:
            await _scenario(em, groups, organiser, observer)
            backend = observer.backend
            assert isinstance(backend, PostgresBackend)
            assert await backend.leader_pid() in d.procs
            assert all(p.poll() is None for p in d.procs.values()), "a process died"
        finally:
            await observer.close()


async def _scenario(
    em: BotAPIEmulator, groups: list[SimChat], organiser: SimUser, observer: Repository
) -> None:
    for group, name in zip(groups, NAMES, strict=True):
        em.send_message(organiser, group, f"/community {name}")
    await em.wait_idle(60)
    async with observer.transaction() as session:
        communities = await session.list_communities()
    assert len(communities) == len(NAMES)
    em.send_message(organiser, groups[0], "/ask 2h 你觉得我们社区最需要改进什么？")
    await em.wait_for(lambda: openings(em, groups[0])[1] > 0, 30)

    opens_at = datetime.now(UTC) + AHEAD
    async with observer.transaction() as session:
        scheduled = [
            (
                await session.add_round(
                    kind="text",
                    state="scheduled",
                    question=f"第{i}个同时开始的问题？",
                    community_ids=[c.id for c in communities],
                    opens_at=opens_at,
                    closes_at=opens_at + timedelta(hours=1),
                    reminder_at=None,
                    created_by="test",
                    at=datetime.now(UTC),
                )
            ).id
            for i in range(SCHEDULED)
        ]

    # Both processes busy across the opening: answers, and rounds opened now (each /ask owes
    # posts and starts a send in whichever process took it).
    asked = 0
    resident = 0
    while datetime.now(UTC) < opens_at + timedelta(seconds=2):
        for group in groups:
            em.send_message(em.add_user(f"居民{resident}"), group, f"停车太难了（{resident}）")
            resident += 1
        if asked < 6:
            em.send_message(organiser, groups[asked % 2], f"/ask 1h 临时问题{asked}？")
            asked += 1
        await asyncio.sleep(0.1)

    await em.wait_for(lambda: all(all(openings(em, g)[r] for r in scheduled) for g in groups), 60)
    await em.wait_idle(60)

    async def all_sent() -> bool:
        async with observer.transaction() as session:
            return not await session.list_unsent_posts()

    await wait_until(all_sent, 60, "every owed post to be sent")
    await asyncio.sleep(1)  # several more ticks of both processes: a second post would show
    async with observer.transaction() as session:
        states = {r: (await session.get_round(r)) for r in scheduled}
    assert all(s is not None and s.state == "open" for s in states.values()), states
    for group in groups:
        counts = openings(em, group)
        assert {r: counts[r] for r in scheduled} == dict.fromkeys(scheduled, 1), counts
        assert all(n == 1 for n in counts.values()), counts
