"""What a whole group reads is in the deployment's language (`locale.default`), whoever asked
for it: an organiser's own Telegram language picks only the replies to that organiser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo.local import serving_app
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, make_settings

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("default", "organiser_language"), [("zh", "en"), ("en", "zh-hans")], ids=["zh", "en"]
)
async def test_the_standard_priorities_question_is_in_the_groups_language(
    emulator: BotAPIEmulator, tmp_path: Path, default: str, organiser_language: str
) -> None:
    """`/priorities` without a question posts a poll whose options are the principles named in
    `locale.default`; its standard question was in the organiser's language, so an English
    organiser in a Chinese deployment made a poll asking in English over Chinese options (and
    the reverse)."""
    em = emulator
    organiser = em.add_user("Olivia", language_code=organiser_language)
    settings = make_settings(tmp_path, em, [organiser.id], locale={"default": default})
    async with serving_app(em, settings) as (core, app):
        bot = RunningBot(em, core, settings, organiser, app)
        group = await bot.register("Bihai residents", "碧海社区")
        await bot.command(group, "/priorities 1h")
        polls = [m["poll"] for m in em.messages_to(group.id) if "poll" in m]
        assert len(polls) == 1, bot.bot_texts(group)
        question = polls[0]["question"]
        options = [o["text"] for o in polls[0]["options"]]
        if default == "zh":
            assert all(HAN.search(o) for o in options), options
            assert HAN.search(question), f"an English question over Chinese options: {question!r}"
        else:
            assert not any(HAN.search(o) for o in options), options
            assert not HAN.search(question), f"Chinese over English options: {question!r}"
        # The reply to the organiser still follows the organiser's language.
        confirmation = bot.bot_texts(group)[-1]
        assert bool(HAN.search(confirmation.replace("碧海社区", ""))) == (default == "en"), (
            confirmation
        )
