"""Web answer pages under load: many phones answering one round at once, through real HTTP.

Prints figures; asserts nothing about time. `--smoke` runs a small size for CI.

    python -m bench.bench_web [--smoke] [--clients N] [--answers N]

A server process serves the pages (bot/web/server.py) over a fresh SQLite file; this process
runs `--clients` browsers (each its own cookie jar), which together send `--answers` answers
to one open text round: each answer is the page's form posted and the redirect to the
confirmation followed, as a phone does. Timed from the first POST to the last confirmation;
afterwards the database is opened again to check that every confirmed answer is stored exactly
once, with channel `web`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Settings, settings_from_dict
from bot.core.base import open_core
from bot.core.parsing import RoundRequest
from bot.core.rounds import create_round
from bot.web.server import WebOptions, options_from, page_path, serving_web

TEXTS = [
    "小区停车位太少，晚上回来根本没地方停车，物业也不管。",
    "楼下的广场舞音响太吵了，晚上十点还在跳，老人孩子都没法休息。",
    "希望社区多开几次居民议事会，重大事情要先征求大家的意见。",
    "垃圾分类的桶太少，厨余垃圾经常溢出来，臭味很大。",
    "物业费的账目从来不公开，业主根本不知道钱花到哪里去了。",
]
_HIDDEN = re.compile(r'<input type="hidden" name="(nonce|csrf)" value="([^"]*)">')


def _settings(db: Path, port: int) -> Settings:
    return settings_from_dict(
        {
            "storage": {"url": f"sqlite:///{db}"},
            "privacy": {"secret": "bench-web-secret"},
            "nlp": {"helper_process": False},
            # The bench's phones all come from 127.0.0.1: lift the per-browser limit too, so
            # that every answer is one the server must store.
            "limits": {"answers_per_minute": 100_000},
            "web": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"},
        },
        environ={},
    )


async def serve(db: Path, port: int) -> None:
    """The server process: one community, one open text round; print the page path; serve
    until SIGTERM."""
    settings = _settings(db, port)
    core = await open_core(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        async with core.repo.transaction() as session:
            community, _ = await session.set_community(-1001, "碧海社区", core.now())
        request = RoundRequest(
            kind="text", question="你希望社区怎样改进？", duration=timedelta(hours=2)
        )
        created = await create_round(core, request, [community], "bench")
        # Load the segmenter's dictionary now, as a running bot has long since done.
        core.tagger.tag(TEXTS[0])
        options = options_from(settings)
        assert options is not None
        # Every phone of the bench shares 127.0.0.1: no per-address limit here.
        unlimited = WebOptions(options.host, options.port, options.public_url, 10**9)
        async with serving_web(core, unlimited):
            print(page_path(core, created.round.id, community.id), flush=True)
            await stop.wait()
    finally:
        await core.repo.close()


def _fields(html: str) -> dict[str, str]:
    """The nonce and CSRF token of the page's answer form (its first form)."""
    found: dict[str, str] = {}
    for name, value in _HIDDEN.findall(html):
        found.setdefault(name, unescape(value))
    return found


async def _phone(base: str, path: str, number: int, answers: int, latencies: list[float]) -> int:
    """One browser: open the page, then send `answers` answers; how many were confirmed."""
    confirmed = 0
    jar = aiohttp.CookieJar(unsafe=True)
    headers = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(base + path) as page:
            html = await page.text()
        for n in range(answers):
            text = f"{TEXTS[(number + n) % len(TEXTS)]}（居民{number}，第{n}条）"
            started = time.perf_counter()
            async with session.post(
                base + path,
                data={**_fields(html), "action": "answer", "text": text},
                headers=headers,
            ) as done:
                html = await done.text()
                if done.status == 200 and "?done=stored." in str(done.url):
                    confirmed += 1
            latencies.append(time.perf_counter() - started)
    return confirmed


async def load(base: str, path: str, clients: int, answers: int) -> tuple[float, int, list[float]]:
    """Seconds for `clients` browsers to send `answers` answers; confirmations; latencies."""
    per, extra = divmod(answers, clients)
    latencies: list[float] = []
    started = time.perf_counter()
    confirmed = await asyncio.gather(
        *(_phone(base, path, i, per + (i < extra), latencies) for i in range(clients))
    )
    return time.perf_counter() - started, sum(confirmed), latencies


async def stored(db: Path, port: int) -> tuple[int, int, int]:
    """(answers, distinct sources, answers with channel web) in the database."""
    core = await open_core(_settings(db, port))
    try:
        async with core.repo.transaction() as session:
            row = await session.tx.fetchone(
                "SELECT count(*) AS n, count(DISTINCT source) AS s, "
                "sum(CASE WHEN channel = 'web' THEN 1 ELSE 0 END) AS w FROM answers"
            )
    finally:
        await core.repo.close()
    assert row is not None
    return int(row["n"]), int(row["s"]), int(row["w"] or 0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def run(clients: int, answers: int) -> dict[str, Any]:
    """Start the server process, load it, stop it, count what it stored."""
    with tempfile.TemporaryDirectory(prefix="minyi-bench-web-") as folder:
        db, port = Path(folder) / "minyi.db", _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_web", "--serve", str(db), "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            path = (await asyncio.to_thread(server.stdout.readline)).strip()
            if not path.startswith("/r/"):
                raise RuntimeError("the server process did not start")
            base = f"http://127.0.0.1:{port}"
            seconds, confirmed, latencies = await load(base, path, clients, answers)
        finally:
            server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=60)
            if server.poll() is None:
                server.kill()
        count, sources, web = await stored(db, port)
    latencies.sort()
    return {
        "clients": clients,
        "answers": answers,
        "confirmed": confirmed,
        "stored": count,
        "distinct": sources,
        "web": web,
        "seconds": seconds,
        "per_second": confirmed / seconds if seconds else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a small size, for CI")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        asyncio.run(serve(args.serve, args.port))
        return
    clients, answers = (20, 100) if args.smoke else (args.clients, args.answers)
    result = asyncio.run(run(clients, answers))
    print(
        f"web pages: {result['clients']} browsers, {result['answers']} answers: "
        f"{result['confirmed']} confirmed, {result['stored']} stored "
        f"({result['distinct']} distinct, {result['web']} with channel web) in "
        f"{result['seconds']:.2f} s = {result['per_second']:.0f} answers/s; "
        f"answer + confirmation page p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms"
    )
    if not result["confirmed"] == result["stored"] == result["distinct"] == result["answers"]:
        raise SystemExit("not every answer was stored exactly once")


if __name__ == "__main__":
    main()
