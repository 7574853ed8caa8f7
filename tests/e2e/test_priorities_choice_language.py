"""A resident reads what they chose in a priorities round in their own language: the poll named
the principles in `locale.default` for the whole group, but /mydata is a reply to one resident,
and a principle has a name in each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo.local import serving_app
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, make_settings

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("default", "resident_language", "expected"),
    [
        ("zh", "en-US", "you chose: Participation, Accountability"),
        ("en", "zh-hant", "你选了：参与、问责"),
    ],
    ids=["english-resident-in-zh", "traditional-resident-in-en"],
)
async def test_mydata_names_the_chosen_principles_in_the_residents_language(
    emulator: BotAPIEmulator, tmp_path: Path, default: str, resident_language: str, expected: str
) -> None:
    """An English resident of a Chinese deployment read "you chose: 参与, 问责" (and a Chinese
    resident of an English one "你选了：Participation、Accountability"): one sentence in two
    languages, though the bot knows each principle's name in both."""
    em = emulator
    organiser = em.add_user("Organiser", language_code="zh-hans")
    settings = make_settings(tmp_path, em, [organiser.id], locale={"default": default})
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, organiser, app)
        group = await bot.register("Bihai residents", "碧海社区")
        await bot.command(group, "/priorities 1h")
        poll = next(m["poll"] for m in em.messages_to(group.id) if "poll" in m)
        resident = em.add_user("Resident", language_code=resident_language)
        bot.join(resident, group)
        em.vote_poll(resident, poll["id"], [0, 2])  # participation, accountability
        await bot.settle()
        chat = em.private_chat(resident)
        await bot.command(chat, "/mydata", user=resident)
        reply = bot.bot_texts(chat)[-1]
        assert expected in reply, reply
        if resident_language.startswith("en"):
            assert not HAN.search(reply), reply
        else:
            assert not re.search(r"[A-Za-z]{4,}", reply), reply


async def test_an_english_organisers_report_names_the_principles_in_english(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """In a Chinese deployment an English organiser's report of a priorities round read
    "Question: 在下面这些方面中……" over rows "参与 2 100%": their report is in English but its
    standard question and principles were left in the group's language (and /rounds listed
    that question in Chinese). The group's closing summary stays Chinese."""
    em = emulator
    organiser = em.add_user("Olivia", language_code="en-GB")
    settings = make_settings(tmp_path, em, [organiser.id])
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, organiser, app)
        private = em.private_chat(organiser)
        await bot.command(private, "/start")
        group = await bot.register("Bihai residents", "碧海社区")
        await bot.command(group, "/priorities 1h")
        poll = next(m["poll"] for m in em.messages_to(group.id) if "poll" in m)
        for n in range(2):
            resident = em.add_user(f"Resident {n}", language_code="zh-hans")
            bot.join(resident, group)
            em.vote_poll(resident, poll["id"], [0, 2])
        await bot.settle()
        await bot.command(private, "/rounds")
        listing = bot.bot_texts(private)[-1]
        assert "#1" in listing and not HAN.search(listing.replace("碧海社区", "")), listing
        await bot.command(group, "/close 1")
        report = await bot.wait_text(private, lambda t: "Report on round #1" in t, timeout=30)
        assert "Participation" in report and "Accountability" in report, report
        assert not HAN.search(report.replace("碧海社区", "")), report
        summary = await bot.wait_text(group, lambda t: "征询 #1 已结束" in t, timeout=30)
        assert "参与" in summary and "Participation" not in summary, summary
