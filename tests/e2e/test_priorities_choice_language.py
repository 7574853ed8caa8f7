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
