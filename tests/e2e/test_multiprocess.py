"""Two `minyi run --webhook` processes behind a load balancer on one PostgreSQL database.

The emulator POSTs updates to a small round-robin load balancer (as a city deployment would
have) which spreads them over both processes; some updates are delivered twice. The process
holding the scheduler lock is killed (SIGKILL) before a scheduled round opens; the other one
takes over.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from storage.backends.postgres import PostgresBackend
from storage.repository import Repository
from tests.e2e.processes import LoadBalancer, wait_until, webhook_deployment
from tests.harness import SECRET

ZONE = ZoneInfo("Asia/Shanghai")
ANSWERS = 300
DUPLICATES = 40
TEXTS = [
    "小区停车位太少了，晚上回来根本找不到车位",
    "垃圾分类的桶经常满了没人清理，味道很大",
    "希望社区重大事项都能提前公示，让居民参与讨论",
    "老人不会用智能手机，线上办事很难，希望保留窗口",
    "晚上广场舞太吵了，影响休息",
]


def round_posts(em: BotAPIEmulator, chat: SimChat, round_id: int) -> list[dict[str, object]]:
    """The bot's opening posts for a round in a group."""
    return [m for m in em.messages_to(chat.id) if f"社区征询 #{round_id}" in m.get("text", "")]


async def test_two_webhook_processes_share_one_postgresql(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Answers spread over two processes (some twice) are stored once, and a scheduled round
    opens exactly once after the scheduler's leader is killed."""
    em = emulator
    organiser = em.add_user("Organiser", language_code="zh-hans")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    extra = '[rounds]\nreminder_before = ""\n[limits]\nanswers_per_minute = 100\n'
    async with webhook_deployment(em, organiser, tmp_path, secret=SECRET, extra=extra) as d:
        observer = Repository.from_url(d.storage_url)
        await observer.open()
        try:
            await _scenario(em, group, organiser, d.procs, observer, d.balancer, d.config)
        finally:
            await observer.close()


async def _scenario(
    em: BotAPIEmulator,
    group: SimChat,
    organiser: SimUser,
    procs: dict[int, subprocess.Popen[bytes]],
    observer: Repository,
    balancer: LoadBalancer,
    config: Path,
) -> None:
    em.send_message(organiser, group, "/community 碧海社区")
    await em.wait_for(
        lambda: any("碧海社区" in m.get("text", "") for m in em.messages_to(group.id)), 30
    )
    em.send_message(organiser, group, "/ask 2h 你觉得我们社区最需要改进什么？")
    await em.wait_for(lambda: len(round_posts(em, group, 1)) > 0, 30)
    post_id = round_posts(em, group, 1)[0]["message_id"]
    assert isinstance(post_id, int)

    # A few hundred answers, spread over both processes; DUPLICATES of them POSTed twice.
    em.webhook_duplicates = DUPLICATES
    texts = [f"{TEXTS[i % len(TEXTS)]}（{i}号楼）" for i in range(ANSWERS)]
    for i, text in enumerate(texts):
        em.send_message(em.add_user(f"居民{i}"), group, text, reply_to=post_id)
    await em.wait_idle(120)
    delivered = Counter(d["update_id"] for d in em.webhook_deliveries if d["status"] == 200)
    assert em.webhook_duplicates == 0
    assert sum(n - 1 for n in delivered.values()) >= DUPLICATES
    assert all(n > ANSWERS // 4 for n in balancer.forwarded.values()), balancer.forwarded
    assert len(balancer.forwarded) == 2

    # Schedule a second round for the next whole minute at least 20 s away.
    now = datetime.now(ZONE)
    opens = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    em.send_message(
        organiser, group, f"/schedule {opens:%Y-%m-%d %H:%M} 10m 小区充电桩应该装在哪里？"
    )
    await wait_until(lambda: _state(observer, 2, "scheduled"), 30, "round 2 to be scheduled")

    # Kill whoever holds the scheduler lock, before the round opens.
    backend = observer.backend
    assert isinstance(backend, PostgresBackend)
    leader = await backend.leader_pid()
    assert leader in procs, f"leader {leader} is not one of the bot processes {list(procs)}"
    os.kill(leader, signal.SIGKILL)
    procs[leader].wait(timeout=10)
    assert datetime.now(ZONE) < opens, "the leader must die before the round opens"
    survivor = next(pid for pid in procs if pid != leader)
    await wait_until(
        lambda: _leads(backend, survivor), 30, "the surviving process to take the scheduler lock"
    )

    # The round opens once, posted once, by the survivor.
    await em.wait_for(lambda: len(round_posts(em, group, 2)) > 0, 120)
    await asyncio.sleep(2)  # several more ticks: a second opening would show now
    assert len(round_posts(em, group, 2)) == 1
    async with observer.transaction() as session:
        opened = await session.get_round(2)
        posts = await session.list_posts(2, "open")
        stored = await session.list_answers(round_ids=[1])
    assert opened is not None and opened.state == "open" and opened.opened_at is not None
    assert len(posts) == 1 and posts[0].sent_at is not None

    # Every answer stored once.
    assert sorted(a.text for a in stored) == sorted(texts)

    # The report (from the CLI, against the same database) counts them correctly.
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "report", "--json", "--round", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (report,) = json.loads(done.stdout)["rounds"]
    assert report["answers"] == ANSWERS and report["participants"] == ANSWERS
    expected = Counter(t.theme_id for a in stored for t in a.themes)
    for theme in report["themes"]:
        assert theme["count"] == expected[theme["id"]], theme
    assert report["themes"], "the answers are about parking, rubbish, openness: themes expected"


async def _leads(backend: PostgresBackend, pid: int) -> bool:
    return await backend.leader_pid() == pid


async def _state(observer: Repository, round_id: int, state: str) -> bool:
    async with observer.transaction() as session:
        found = await session.get_round(round_id)
    return found is not None and found.state == state
