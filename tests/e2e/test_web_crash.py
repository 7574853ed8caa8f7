"""A web server killed (SIGKILL) while phones are sending answers loses no answer a phone was
told was saved, and stores none twice: the web server alone (bench/bench_web.py's), and
`minyi run` serving the pages beside the Telegram intake."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp

from bench.bench_web import _fields, _free_port, _settings
from bot.core.base import open_core
from bot.web.tokens import page_token
from sandbox.emulator import BotAPIEmulator
from tests.e2e.processes import ask_by_hand, start_minyi_run, stop, wait_exit, write_run_config

ENOUGH = 40  # confirmed answers before the kill
RUN_SECRET = "web-crash-secret"


async def _phone(
    base: str,
    path: str,
    number: int,
    confirmed: list[str],
    enough: asyncio.Event,
    most: int | None = None,
) -> None:
    """Answer until the server is gone (or `most` answers were sent); remember every answer
    the server confirmed."""
    headers = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        try:
            async with session.get(base + path) as page:
                html = await page.text()
            n = 0
            while most is None or n < most:
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


async def _serving(base: str, path: str, seconds: float) -> None:
    """Wait until the page answers (the process has started and opened its database)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(seconds * 10)):
            try:
                async with session.get(base + path) as page:
                    if page.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"no page at {base}{path} within {seconds}s")


async def test_killing_minyi_run_mid_web_answers_loses_no_confirmed_answer(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """`minyi run` with web.listen, a round opened through Telegram, twenty phones answering on
    its page, the process SIGKILLed mid-stream and started again: every answer a phone saw
    confirmed is stored exactly once, and the restarted process serves the page again."""
    em = emulator
    organiser = em.add_user("Organiser")
    db, port = tmp_path / "minyi.db", _free_port()
    config, log = tmp_path / "config.toml", tmp_path / "bot.log"
    write_run_config(
        config,
        em,
        organiser,
        f"sqlite:///{db}",
        secret=RUN_SECRET,
        extra=(
            "[limits]\nanswers_per_minute = 100000\n\n"
            f'[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n'
        ),
    )
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    base = f"http://127.0.0.1:{port}"
    confirmed: list[str] = []
    enough = asyncio.Event()
    first = start_minyi_run(config, log)
    try:
        await ask_by_hand(em, organiser, group)
        with sqlite3.connect(db) as conn:
            round_id, community_id = conn.execute(
                "SELECT round_id, community_id FROM round_communities"
            ).fetchone()
        path = "/r/" + page_token(RUN_SECRET.encode(), round_id, community_id)
        await _serving(base, path, 60)
        phones = [asyncio.create_task(_phone(base, path, i, confirmed, enough)) for i in range(20)]
        waiting = asyncio.create_task(enough.wait())
        await asyncio.wait([waiting, *phones], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        first.send_signal(signal.SIGKILL)
        await wait_exit(first)
        await asyncio.gather(*phones)
    finally:
        if first.poll() is None:
            first.kill()
    assert len(confirmed) >= ENOUGH
    second = start_minyi_run(config, log)
    try:
        await _serving(base, path, 60)
        after: list[str] = []
        await _phone(base, path, 99, after, asyncio.Event(), most=1)
        assert len(after) == 1, "the restarted process took no answer"
    finally:
        assert await stop(second, signal.SIGTERM) == 0, log.read_text()[-3000:]
    with sqlite3.connect(db) as conn:
        stored = [
            (text, channel) for text, channel in conn.execute("SELECT text, channel FROM answers")
        ]
    texts = [text for text, _ in stored]
    assert len(texts) == len(set(texts)), "an answer was stored twice"
    missing = set(confirmed) - set(texts)
    assert not missing, f"{len(missing)} confirmed answers were lost"
    assert after[0] in texts and {channel for _, channel in stored} == {"web"}
