"""A web server killed (SIGKILL) while phones are sending answers loses no answer a phone was
told was saved, and stores none twice."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp

from bench.bench_web import _fields, _free_port, _settings
from bot.core.base import open_core

ENOUGH = 40  # confirmed answers before the kill


async def _phone(
    base: str, path: str, number: int, confirmed: list[str], enough: asyncio.Event
) -> None:
    """Answer until the server is gone; remember every answer the server confirmed."""
    headers = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        try:
            async with session.get(base + path) as page:
                html = await page.text()
            n = 0
            while True:
                text = f"停车位太少了，物业应该公开车位的分配办法（居民{number}，第{n}条）"
                n += 1
                async with session.post(
                    base + path,
                    data={**_fields(html), "action": "answer", "text": text},
                    headers=headers,
                ) as done:
                    html = await done.text()
                    if done.status == 200 and "?done=stored." in str(done.url):
                        confirmed.append(text)
                        if len(confirmed) >= ENOUGH:
                            enough.set()
        except (TimeoutError, aiohttp.ClientError):
            return  # the server died under us: what it confirmed is what counts


async def test_killing_the_web_server_loses_no_confirmed_answer(tmp_path: Path) -> None:
    """Twenty phones answer while the server is SIGKILLed; afterwards every answer a phone saw
    confirmed is in the database exactly once, and no answer is stored twice."""
    db, port = tmp_path / "minyi.db", _free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bench_web",
        "--serve",
        str(db),
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
    )
    confirmed: list[str] = []
    enough = asyncio.Event()
    try:
        assert server.stdout is not None
        path = (await server.stdout.readline()).decode().strip()
        assert path.startswith("/r/"), "the web server did not start"
        base = f"http://127.0.0.1:{port}"
        phones = [asyncio.create_task(_phone(base, path, i, confirmed, enough)) for i in range(20)]
        # Kill it mid-stream: once some answers are confirmed, others are surely in flight.
        waiting = asyncio.create_task(enough.wait())
        await asyncio.wait([waiting, *phones], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        server.send_signal(signal.SIGKILL)
        await server.wait()
        await asyncio.gather(*phones)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    assert len(confirmed) >= ENOUGH
    core = await open_core(_settings(db, port))
    try:
        async with core.repo.transaction() as session:
            stored = await session.list_answers()
    finally:
        await core.repo.close()
    texts = [a.text for a in stored]
    assert len(texts) == len(set(texts)), "an answer was stored twice"
    missing = set(confirmed) - set(texts)
    assert not missing, f"{len(missing)} confirmed answers were lost"
    assert all(a.channel == "web" for a in stored)
