"""Answer ingestion on SQLite and PostgreSQL, in the same run, through the real bot.

Prints figures; asserts nothing about time. `--smoke` runs a small size for CI.

    python -m bench.bench_ingest [--smoke] [--backend sqlite|postgresql|both] [--answers N]
                                 [--postgres-url URL]

Two figures per backend:

- **end to end**: residents reply to an open text round through the local Bot API emulator; the
  real PTB application (long polling, bot/telegram/intake.py)
  tags each answer and commits it with its
  update claim. Timed from the first update queued to the last one confirmed: answers/s a
  single bot process sustains.
- **storage only**: `add_answer` + its themes, one transaction (one commit) per answer, by 1 and
  by 8 concurrent tasks: what the database itself sustains. SQLite serialises transactions in
  the process; PostgreSQL runs them on a pool of connections.

PostgreSQL runs in a private schema of `--postgres-url` (default the local test server),
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bot.app import build_application, run_application
from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.models import NewAnswer, TagRecord
from sandbox.emulator import BotAPIEmulator
from storage.repository import Repository

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
TEXTS = [
    "小区停车位太少，晚上回来根本没地方停车，物业也不管。",
    "楼下的广场舞音响太吵了，晚上十点还在跳，老人孩子都没法休息。",
    "希望社区多开几次居民议事会，重大事情要先征求大家的意见。",
    "垃圾分类的桶太少，厨余垃圾经常溢出来，臭味很大。",
    "物业费的账目从来不公开，业主根本不知道钱花到哪里去了。",
]
T0 = datetime(2024, 5, 1, tzinfo=UTC)


async def end_to_end(url: str, answers: int) -> float:
    """Answers per second through emulator → PTB → tagging → one commit per update."""
    async with BotAPIEmulator() as em:
        organiser = em.add_user("Organiser", language_code="zh-hans")
        settings = settings_from_dict(
            {
                "telegram": {
                    "token": em.token,
                    "base_url": em.base_url,
                    "base_file_url": em.base_file_url,
                },
                "storage": {"url": url},
                "roles": {"organisers": [organiser.id]},
                "privacy": {"secret": "bench"},
                "schedule": {"tick_seconds": 0.2},
                "limits": {"answers_per_minute": 1000},
            },
            environ={},
        )
        core = await open_core(settings)
        app = build_application(settings, core, em.token)
        stop = asyncio.Event()
        task = asyncio.create_task(run_application(app, core, stop))
        try:
            group = em.add_group("碧海社区居民群")
            em.add_bot_to_group(group, organiser)
            em.send_message(organiser, group, "/community 碧海社区")
            em.send_message(organiser, group, "/ask 2h 你觉得我们社区最需要改进什么？")
            await em.wait_for(
                lambda: any("社区征询 #" in m.get("text", "") for m in em.messages_to(group.id)),
                30,
            )
            post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
            people = [em.add_user(f"居民{i}") for i in range(answers)]
            start = time.perf_counter()
            for i, person in enumerate(people):
                text = f"{TEXTS[i % len(TEXTS)]}（{i}）"
                em.send_message(person, group, text, reply_to=post["message_id"])
            await em.wait_idle(600)
            elapsed = time.perf_counter() - start
            async with core.repo.transaction() as session:
                stored = len(await session.list_answers())
            if stored != answers:
                raise RuntimeError(f"stored {stored} answers of {answers}")
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
            await core.repo.close()
    return answers / elapsed


async def storage_only(url: str, answers: int, tasks: int) -> float:
    """Answers per second stored by `tasks` concurrent writers, one transaction each."""
    repo = Repository.from_url(url)
    await repo.open()
    try:
        async with repo.transaction() as session:
            found, _ = await session.set_community(-100 - tasks, f"社区{tasks}", T0)
            created = await session.add_round(
                kind="text",
                state="open",
                question="?",
                community_ids=[found.id],
                opens_at=T0,
                closes_at=T0 + timedelta(hours=2),
                reminder_at=None,
                created_by="bench",
                at=T0,
            )
        themes = [TagRecord(theme_id="parking", kind="domain", score=0.9, evidence=["停车"])]

        async def writer(worker: int) -> None:
            for i in range(worker, answers, tasks):
                async with repo.transaction() as session:
                    await session.add_processed_update(tasks * 1_000_000 + i, T0)
                    await session.add_answer(
                        NewAnswer(
                            round_id=created.id,
                            community_id=found.id,
                            resident=f"r{i}",
                            source=f"bench:{tasks}:{i}",
                            via="reply",
                            text=TEXTS[i % len(TEXTS)],
                            text_hash=f"h{i}",
                            at=T0,
                            themes=themes,
                        )
                    )

        start = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(tasks)))
        return answers / (time.perf_counter() - start)
    finally:
        await repo.close()


async def _drop_schema(base: str, schema: str) -> None:
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def bench_backend(backend: str, answers: int, pg_base: str) -> dict[str, float]:
    """Both figures on a fresh database of one backend."""
    figures = {}
    runners: list[tuple[str, Callable[[str], Awaitable[float]]]] = [
        ("end to end", lambda url: end_to_end(url, answers)),
        ("storage, 1 writer", lambda url: storage_only(url, answers, 1)),
        ("storage, 8 writers", lambda url: storage_only(url, answers, 8)),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for name, runner in runners:
            schema = f"minyi_bench_{uuid.uuid4().hex[:10]}"
            if backend == "sqlite":
                url = f"sqlite:///{Path(folder) / (schema + '.db')}"
            else:
                url = f"{pg_base}?schema={schema}"
            try:
                figures[name] = await runner(url)
            finally:
                if backend == "postgresql":
                    await _drop_schema(pg_base, schema)
    return figures


async def run(backends: Sequence[str], answers: int, pg_base: str) -> None:
    """Print answers/s per backend and measurement."""
    print(f"ingest of {answers} answers (answers per second, higher is better)")
    results = {b: await bench_backend(b, answers, pg_base) for b in backends}
    names = list(next(iter(results.values())))
    print(f"{'':22}" + "".join(f"{b:>14}" for b in backends))
    for name in names:
        print(f"{name:22}" + "".join(f"{results[b][name]:>14.0f}" for b in backends))


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small size for CI")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "apscheduler", "telegram", "sandbox", "jieba"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    asyncio.run(run(backends, 50 if args.smoke else args.answers, args.postgres_url))


if __name__ == "__main__":
    main()
