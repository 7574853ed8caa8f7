"""Which language a resident's replies are in, for the language codes Telegram really sends:
any Chinese (Traditional too: the bot has no Traditional texts) gets Simplified Chinese, any
other language English, and none at all (missing or empty) `locale.default`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo.local import serving_app
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, make_settings

HAN = re.compile(r"[\u4e00-\u9fff]")
# What a resident may be sent that the bot did not write: the question, the community's name.
DATA = ("你觉得小区停车怎么样？", "碧海社区")

CASES = [
    # An English deployment: a Traditional-Chinese Telegram must not get English.
    ("en", "zh-hant", "zh"),
    ("en", "zh-TW", "zh"),
    ("en", "zh-HK", "zh"),
    ("en", "zh_CN", "zh"),
    ("en", "", "en"),
    ("en", None, "en"),
    # A Chinese deployment: English for any other language, whatever its spelling.
    ("zh", "EN", "en"),
    ("zh", "en-US", "en"),
    ("zh", "ja", "en"),
    ("zh", "", "zh"),
    ("zh", None, "zh"),
]


@pytest.mark.parametrize(("default", "code", "expected"), CASES)
async def test_every_reply_to_a_resident_is_in_the_language_their_telegram_asks_for(
    emulator: BotAPIEmulator, tmp_path: Path, default: str, code: str | None, expected: str
) -> None:
    """/help, /privacy, a refusal, the private answer's prompt, its confirmation and a
    too-long answer's refusal are each wholly in one language: the resident's."""
    em = emulator
    organiser = em.add_user("Organiser", language_code="zh-hans")
    settings = make_settings(
        tmp_path,
        em,
        [organiser.id],
        locale={"default": default},
        limits={"max_answer_chars": 40},
    )
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, organiser, app)
        group = await bot.register("Bihai residents", "碧海社区")
        await bot.command(group, "/ask 2h 你觉得小区停车怎么样？")
        resident = em.add_user("Resident", language_code=code)
        bot.join(resident, group)
        chat = em.private_chat(resident)
        for text in ("/help", "/privacy", "/rounds", "/start r1", "停车位太少，晚上没地方停"):
            await bot.command(chat, text, user=resident)
        await bot.command(chat, "/start r1", user=resident)
        await bot.command(chat, "停车" * 30, user=resident)
        replies = bot.bot_texts(chat)
        assert len(replies) == 7, replies
        for reply in replies:
            words = reply
            for data in DATA:
                words = words.replace(data, "")
            if expected == "en":
                assert not HAN.search(words), (code, reply)
            else:
                # Commands, Telegram's name and the bot's links are the only Latin words.
                latin = re.sub(r"/\w+|https?://\S+|Telegram", "", words)
                assert not re.search(r"[A-Za-z]{3,}", latin), (code, reply)


async def test_the_command_menu_is_in_each_residents_language(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Telegram shows each user the command list of their language: an English Telegram read
    "怎么参与 / how to take part", half of it in a language they may not read, because the bot
    set one bilingual list only. Chinese and English readers now get theirs; anyone else keeps
    the bilingual one."""
    em = emulator
    organiser = em.add_user("Organiser", language_code="zh-hans")
    settings = make_settings(tmp_path, em, [organiser.id])
    async with serving_app(em, settings) as (_core, app):
        await em.wait_for(lambda: len(em.calls_to("setMyCommands")) >= 3, 15)
        menus = {
            lang: {c.command: c.description for c in await app.bot.get_my_commands(**lang_arg)}
            for lang, lang_arg in (
                ("zh", {"language_code": "zh"}),
                ("en", {"language_code": "en"}),
                ("", {}),
            )
        }
    assert (
        set(menus["en"])
        == set(menus["zh"])
        == set(menus[""])
        == {
            "help",
            "privacy",
            "mydata",
            "forget",
        }
    )
    assert all(not HAN.search(d) for d in menus["en"].values()), menus["en"]
    assert all(not re.search(r"[A-Za-z]", d) for d in menus["zh"].values()), menus["zh"]
    assert menus[""]["help"] == "怎么参与 / how to take part", menus[""]
