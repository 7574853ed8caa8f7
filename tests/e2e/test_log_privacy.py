"""The bot's logs hold no raw Telegram id, name or answer text (issue 14 defect 7).

A 403 from a resident who blocked the bot once logged `cannot reply in chat 987654321` (a
private chat's id is the person's Telegram id), and a failing handler's traceback quoted the
answer it failed on, which then outlived /forget. Logs now name people by pseudonym only, and
an error by its type and frames, never its message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.base import Core
from bot.web.server import WebOptions, options_from, page_url
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.bot.web.world import Browser, free_port
from tests.e2e.test_privacy import ask_in_a_new_group
from tests.harness import RunningBot, run_bot, start_bot

# Loggers of the product (and of python-telegram-bot, which it drives); the emulator is the
# test's stand-in for Telegram, not part of the product.
PRODUCT = ("bot", "handlers", "storage", "nlp", "telegram", "demo")

SECRET_TEXTS = {
    "group": "我家在3栋二单元，楼道灯坏了三个月",
    "private": "物业经理收了我两百块才修水管",
    "blocked": "拉黑之前再说一句：电梯太旧了",
    "failing": "这句会让处理出错：门卫晚上睡觉",
}


def queue_malformed_answer(em: BotAPIEmulator, group: SimChat, zhao: SimUser, post: int) -> None:
    """Queue 赵小红's reply to `post` whose text is an object holding SECRET_TEXTS["failing"]:
    the handler fails on it, every time."""
    em.queue_update(
        "message",
        {
            "message_id": 77,
            "date": em.now(),
            "from": {
                "id": zhao.id,
                "is_bot": False,
                "first_name": "赵小红",
                "username": "u2_secret",
            },
            "chat": {"id": group.id, "type": "group", "title": "碧海社区居民群"},
            "reply_to_message": {
                "message_id": post,
                "date": em.now(),
                "chat": {"id": group.id, "type": "group", "title": "碧海社区居民群"},
            },
            "text": {"answer": SECRET_TEXTS["failing"]},
        },
    )


async def test_a_full_flow_logs_no_ids_names_or_answers(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Answers in a group and privately, a reply to a resident who blocked the bot (403), a
    handler failing on a malformed update, /forget: no log line names a resident's id, name
    or words, while the 403 and the failure are still logged (by pseudonym and by type)."""
    caplog.set_level(logging.INFO)
    bot = minyi_bot
    em = bot.emulator
    group, opening = await ask_in_a_new_group(bot, "/ask 1h 物业服务有什么问题？")
    post = opening["message_id"]
    names = ("王秀英", "李建国", "赵小红")
    wang, li, zhao = (em.add_user(n, username=f"u{i}_secret") for i, n in enumerate(names))
    em.send_message(wang, group, SECRET_TEXTS["group"], reply_to=post)
    bot.join(li)
    private = em.private_chat(li)
    await bot.command(private, "/start r1", user=li)
    await bot.command(private, SECRET_TEXTS["private"], user=li)
    # Li answers and blocks the bot before its receipt goes out: Telegram answers 403.
    em.send_message(li, private, SECRET_TEXTS["blocked"])
    em.block_bot(li)
    await bot.settle()
    # A malformed update (its text is an object): the handler fails on it, three times.
    queue_malformed_answer(em, group, zhao, post)
    await bot.settle(60)
    await bot.command(em.private_chat(wang), "/forget", user=wang)

    # Formatted as a log handler writes them: message, and traceback if one is attached.
    formatter = logging.Formatter()
    logged = "\n".join(formatter.format(r) for r in caplog.records if r.name.startswith(PRODUCT))
    assert "cannot reply in chat p:" in logged and "forbidden" in logged
    assert "error while processing an update: ValidationError" in logged
    for person in (wang, li, zhao):
        assert str(person.id) not in logged
        assert person.first_name not in logged
    assert "secret" not in logged
    for text in SECRET_TEXTS.values():
        # Also no piece of it: a validation error shortens what it quotes in the middle.
        assert text[:4] not in logged and text[-6:] not in logged


# Every logger, the product's and the libraries' under it (PTB, httpx, httpcore, aiohttp,
# APScheduler, asyncio): at DEBUG, python-telegram-bot logs every Bot API call's parameters
# and answer (chat ids, names, texts), and a library's traceback quotes its exception's message.
WEB_TEXT = "网上说一句：三号楼的保安收红包"


def _all_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records)


def _assert_private(logged: str, people: list[SimUser], texts: list[str]) -> None:
    for person in people:
        assert not re.search(rf"(?<!\d){person.id}(?!\d)", logged), person.first_name
        assert person.first_name not in logged
        if person.username:
            assert person.username not in logged
    for text in texts:
        assert text[:4] not in logged and text[-6:] not in logged, text


async def _play(
    em: BotAPIEmulator,
    organiser: SimUser,
    settle: Callable[[], Awaitable[None]],
    core: Core,
    web: WebOptions,
) -> list[SimUser]:
    """Answers in a group, privately and on the web page; a network failure and a 429 on the
    receipts; a resident who blocked the bot; a handler failing three times on a malformed
    update (a dead letter); /forget. Returns the residents."""
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    em.send_message(organiser, group, "/community 碧海社区")
    await settle()
    em.send_message(organiser, group, "/ask 1h 物业服务有什么问题？")
    await settle()
    await em.wait_for(
        lambda: any("社区征询 #" in m.get("text", "") for m in em.messages_to(group.id)), 15
    )
    post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
    wang, li, zhao = (
        em.add_user(n, username=f"u{i}_secret")
        for i, n in enumerate(("王秀英", "李建国", "赵小红"))
    )
    for person in (wang, li, zhao):
        em.add_member(group, person)
    # The receipts meet a dropped connection, then a 429.
    em.inject_fault("drop", method="sendMessage")
    em.inject_fault("429", method="sendMessage", retry_after=1)
    em.send_message(wang, group, SECRET_TEXTS["group"], reply_to=post["message_id"])
    await settle()
    private = em.private_chat(li)
    em.send_message(li, private, "/start r1")
    await settle()
    em.send_message(li, private, SECRET_TEXTS["private"])
    await settle()
    em.send_message(li, private, SECRET_TEXTS["blocked"])
    em.block_bot(li)
    await settle()
    queue_malformed_answer(em, group, zhao, post["message_id"])
    await settle()
    async with core.repo.transaction() as session:
        (round_,) = await session.list_rounds(states=("open",))
        (community,) = await session.list_round_communities(round_.id)
    path = page_url(core, web, round_.id, community.id).removeprefix(web.public_url)
    phone = Browser(
        web.public_url, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    )
    try:
        page = await phone.get(path)
        done = await phone.post(path, {**page.form("answer"), "text": WEB_TEXT})
        assert done.status == 200 and "?done=stored." in done.url
    finally:
        await phone.session.close()
    em.send_message(wang, em.private_chat(wang), "/forget")
    await settle()
    return [wang, li, zhao]


def _web(port: int) -> dict[str, Any]:
    return {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}


async def test_debug_logs_of_a_polling_bot_with_web_pages_name_nobody(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With every logger at DEBUG, long polling and the web pages: no log record of any logger
    (PTB, httpx, aiohttp, APScheduler included) carries a person's id, name, username or words,
    through a network failure, a 429, a 403, a handler failing and a dead letter."""
    caplog.set_level(logging.DEBUG)
    async with start_bot(emulator, tmp_path, web=_web(free_port())) as running:
        web = options_from(running.settings)
        assert web is not None
        residents = await _play(emulator, running.organiser, running.settle, running.core, web)
    logged = _all_logged(caplog)
    assert "error while processing an update: ValidationError" in logged
    assert "kept in dead_letters" in logged
    assert "Bot API endpoint `sendMessage`" in logged  # PTB's DEBUG lines are kept, emptied
    _assert_private(logged, [running.organiser, *residents], [*SECRET_TEXTS.values(), WEB_TEXT])


async def test_debug_logs_of_a_webhook_bot_with_web_pages_name_nobody(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same story in webhook mode (updates POSTed to the bot's aiohttp server)."""
    caplog.set_level(logging.DEBUG)
    async with run_bot(
        emulator, tmp_path, webhook_secret="hook-secret_1", web=_web(free_port())
    ) as running:
        web = options_from(running.settings)
        assert web is not None

        async def settle() -> None:
            await emulator.wait_idle(30)
            await asyncio.wait_for(running.app.bot_data.replies.wait_idle(), 30)

        residents = await _play(emulator, running.organiser, settle, running.core, web)
    logged = _all_logged(caplog)
    assert "error while processing an update: ValidationError" in logged
    assert "kept in dead_letters" in logged
    _assert_private(logged, [running.organiser, *residents], [*SECRET_TEXTS.values(), WEB_TEXT])
