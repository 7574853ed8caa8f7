"""The web channel beside Telegram in one running bot: `/qr` sends each community's card, the
card leads to a working page, answers and votes of both channels add up exactly in `/report`
and `minyi report --json`, and the pages start and stop with the bot in either intake mode."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import zxingcpp
from PIL import Image

from bot.web.server import options_from, page_url
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.bot.web.world import Browser, free_port
from tests.harness import SECRET, RunningBot, run_bot, start_bot

QUESTION = "你希望社区怎样改进？"
TELEGRAM_ANSWERS = [
    "希望物业公开停车费的收支明细",
    "垃圾分类点晚上没有灯，老人倒垃圾不方便",
    "电梯经常坏，维修要及时回应居民",
]
WEB_ANSWERS = [
    "网上办事对老年人太难了，希望保留人工窗口",
    "小区门口的路口需要红绿灯，孩子上学太危险",
    "社区议事会应该让租户也能参加",
    "广场舞噪音太大，晚上九点以后应该停止",
]


def _web_tables(port: int) -> dict[str, Any]:
    return {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}


def _cards(running: RunningBot, since: int) -> list[dict[str, Any]]:
    """The PNG documents the bot sent the organiser privately after message `since`."""
    chat = running.emulator.private_chat(running.organiser).id
    return [
        m
        for m in running.emulator.messages_to(chat)
        if m["message_id"] > since and m.get("document", {}).get("file_name", "").endswith(".png")
    ]


def _decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def _open_text_round(running: RunningBot, group: SimChat) -> tuple[int, int]:
    """`/ask` in the group; the round id and its opening post's message id."""
    await running.command(group, f"/ask 1h {QUESTION}")
    post = await running.wait_text(group, lambda t: "社区征询 #" in t)
    message = next(m for m in running.emulator.messages_to(group.id) if m.get("text") == post)
    async with running.core.repo.transaction() as session:
        rounds = await session.list_rounds(states=("open",))
    return max(r.id for r in rounds), int(message["message_id"])


async def _minyi_report_json(running: RunningBot, tmp_path: Path, round_id: int) -> Any:
    """`minyi report --round ID --json` in its own process, on the running bot's database."""
    config = tmp_path / "report.toml"
    config.write_text(
        f'[storage]\nurl = "{running.settings.storage.url}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "report",
        "--round",
        str(round_id),
        "--json",
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    return json.loads(out)["rounds"][0]


async def test_telegram_and_web_answers_add_up_in_reports(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Three Telegram answers and four web answers (from the page the /qr card decodes to) to
    one round, and votes of both channels in a poll, count exactly once each in /report and
    in `minyi report --json`, with the split per channel; the pages stop with the bot."""
    port = free_port()
    async with start_bot(emulator, tmp_path, web=_web_tables(port)) as running:
        em = running.emulator
        group = await running.register("碧海社区居民群", "碧海社区")
        residents = [em.add_user(f"居民{i}") for i in range(len(TELEGRAM_ANSWERS))]
        for user in residents:
            em.add_member(group, user)
        round_id, post_id = await _open_text_round(running, group)
        for user, text in zip(residents, TELEGRAM_ANSWERS, strict=True):
            em.send_message(user, group, text, reply_to=post_id)
        await running.settle()

        private = em.private_chat(running.organiser)
        mark = max((m["message_id"] for m in em.messages_to(private.id)), default=0)
        await running.command(private, f"/qr {round_id}")
        cards = _cards(running, mark)
        assert len(cards) == 1
        url = _decoded(cards[0]["file_bytes"])[0]
        assert url in cards[0]["caption"] and "碧海社区" in cards[0]["caption"]
        base = f"http://127.0.0.1:{port}"
        for text in WEB_ANSWERS:
            phone = Browser(base, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
            try:
                page = await phone.get(url.removeprefix(base))
                assert QUESTION in page.text
                done = await phone.post(
                    url.removeprefix(base), {**page.form("answer"), "text": text}
                )
                assert done.status == 200 and "?done=stored." in done.url
            finally:
                await phone.session.close()

        await running.command(private, f"/report {round_id}")
        report_text = running.bot_texts(private)[-1]
        total = len(TELEGRAM_ANSWERS) + len(WEB_ANSWERS)
        assert f"参与居民：{total} · 回答：{total}" in report_text
        assert (
            f"来自 Telegram：{len(TELEGRAM_ANSWERS)} · 来自网页：{len(WEB_ANSWERS)}" in report_text
        )
        shown = await _minyi_report_json(running, tmp_path, round_id)
        assert shown["answers"] == shown["participants"] == total
        assert shown["channels"] == {"telegram": len(TELEGRAM_ANSWERS), "web": len(WEB_ANSWERS)}

        # A poll: two Telegram votes, three web votes (one of them changed, still one voter).
        await running.command(group, "/poll 1h 周末活动选哪个？ | 义诊 | 电影 | 跳蚤市场")
        async with running.core.repo.transaction() as session:
            poll_round = max(r.id for r in await session.list_rounds(states=("open",)))
            posts = await session.list_posts(poll_round, "open")
        poll_id = next(p.poll_id for p in posts if p.poll_id)
        assert poll_id is not None
        em.vote_poll(residents[0], poll_id, [0])
        em.vote_poll(residents[1], poll_id, [2])
        await running.settle()
        mark = max(m["message_id"] for m in em.messages_to(private.id))
        await running.command(private, f"/qr {poll_round}")
        poll_url = _decoded(_cards(running, mark)[0]["file_bytes"])[0].removeprefix(base)
        for choices in (["1"], ["2"], ["0", "1"]):
            phone = Browser(base, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
            try:
                for choice in choices:  # the last vote stands
                    page = await phone.get(poll_url)
                    done = await phone.post(poll_url, {**page.form("vote"), "option": choice})
                    assert done.status == 200 and "?done=recorded." in done.url
            finally:
                await phone.session.close()
        await running.command(private, f"/close {poll_round}")
        shown = await _minyi_report_json(running, tmp_path, poll_round)
        assert shown["poll"]["voters"] == 5
        assert [o["votes"] for o in shown["poll"]["options"]] == [1, 2, 2]
        assert shown["channels"] == {"telegram": 2, "web": 3}
        await running.command(private, f"/report {poll_round}")
        assert "来自 Telegram：2 · 来自网页：3" in running.bot_texts(private)[-1]
        # A closed round gets no more cards; an unknown one is named.
        for asked, reason in ((poll_round, "已经结束或取消"), (999, "找不到第 999 轮征询")):
            mark = max(m["message_id"] for m in em.messages_to(private.id))
            await running.command(private, f"/qr {asked}")
            assert reason in running.bot_texts(private)[-1]
            assert _cards(running, mark) == []
    assert await _page_status(url) is None, "the pages outlived the bot"


async def test_qr_refusals_say_why(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    """/qr names the missing setting when the pages are off or have no public address."""
    for name in ("off", "on"):
        (tmp_path / name).mkdir()
    async with start_bot(emulator, tmp_path / "off") as running:
        private = emulator.private_chat(running.organiser)
        group = await running.register("碧海社区居民群", "碧海社区")
        round_id, _ = await _open_text_round(running, group)
        await running.command(private, f"/qr {round_id}")
        assert "网页答题没有开启" in running.bot_texts(private)[-1]
    port = free_port()
    async with start_bot(emulator, tmp_path / "on", web={"listen": f"127.0.0.1:{port}"}) as running:
        private = emulator.private_chat(running.organiser)
        await running.command(private, "/qr 1")
        assert "web.public_url" in running.bot_texts(private)[-1]


async def _page_status(url: str) -> int | None:
    """The status of GET `url`, or None if nothing listens there."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.get(url) as page:
                return page.status
        except aiohttp.ClientConnectionError:
            return None


async def test_webhook_mode_serves_the_pages_and_stops_them_with_the_bot(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With a webhook intake and web.listen, a round opened through the webhook has a working
    page that takes an answer; when the bot stops, the pages stop too."""
    async with run_bot(
        emulator, tmp_path, webhook_secret="hook-secret_1", web=_web_tables(free_port())
    ) as running:
        em, organiser, core = emulator, running.organiser, running.core
        options = options_from(running.settings)
        assert options is not None
        group = em.add_group("碧海社区居民群")
        em.add_bot_to_group(group, organiser)
        em.send_message(organiser, group, "/community 碧海社区")
        await em.wait_for(
            lambda: any("已登记" in m.get("text", "") for m in em.messages_to(group.id)), 15
        )
        em.send_message(organiser, group, f"/ask 1h {QUESTION}")
        await em.wait_for(
            lambda: any("社区征询 #" in m.get("text", "") for m in em.messages_to(group.id)), 15
        )
        async with core.repo.transaction() as session:
            (round_,) = await session.list_rounds(states=("open",))
            (community,) = await session.list_round_communities(round_.id)
        base = options.public_url
        path = page_url(core, options, round_.id, community.id).removeprefix(base)
        phone = Browser(base, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
        try:
            page = await phone.get(path)
            done = await phone.post(path, {**page.form("answer"), "text": WEB_ANSWERS[0]})
            assert done.status == 200 and "?done=stored." in done.url
        finally:
            await phone.session.close()
    assert await _page_status(base + path) is None, "the pages outlived the bot"
