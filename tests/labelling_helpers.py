"""Driving `/label`'s buttons as an organiser would, for end-to-end tests.

Kept apart from tests/harness.py, which runs a bot and knows nothing of any one feature: this
module knows the /label keyboard (callback data `lbl:<answer id>:<hex mask>:<action>`, two
pages: principles, then first-level domains).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from bot.core.labelling import label_choices
from sandbox.models import SimChat
from tests.harness import RunningBot

_DATA = re.compile(r"^lbl:(\d+):([0-9a-f]+):")


def label_message(bot: RunningBot, chat: SimChat) -> dict[str, Any]:
    """A copy of the bot's newest message in `chat` that carries a /label keyboard (a copy, so
    a later edit of the keyboard shows as a difference); AssertionError when there is none."""
    for message in reversed(bot.emulator.messages_to(chat.id)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if any(str(b.get("callback_data", "")).startswith("lbl:") for row in rows for b in row):
            return dict(message)
    raise AssertionError("no /label keyboard in the chat")


def _callback_data(message: dict[str, Any]) -> list[str]:
    rows = message["reply_markup"]["inline_keyboard"]
    return [str(b.get("callback_data", "")) for row in rows for b in row]


def _actions(message: dict[str, Any]) -> list[str]:
    return [d.rsplit(":", 1)[-1] for d in _callback_data(message)]


def label_button(message: dict[str, Any], action: str) -> str:
    """The callback data of the button on a /label `message` for `action` (`ok`, `skip`,
    `stop`, `t<index>` to toggle a theme, `p<page>` to turn the page)."""
    return next(d for d in _callback_data(message) if d.endswith(":" + action))


async def press_label(bot: RunningBot, chat: SimChat, message: dict[str, Any], action: str) -> None:
    """The organiser presses the `action` button of a /label `message`; wait for the bot."""
    bot.emulator.press_button(
        bot.organiser, chat, message["message_id"], label_button(message, action)
    )
    await bot.settle()


async def label_answers(
    bot: RunningBot, count: int, truth: Mapping[str, Iterable[str]], corrected: Collection[str]
) -> set[str]:
    """The organiser sends /label in private and labels the first `count` answers offered:
    keeps the suggested themes outside `corrected`, sets those in `corrected` to
    `truth[answer text]`, confirms, and waits for the bot after every press. A theme to toggle
    that is not on the page shown is reached by turning the page first. Returns the texts
    labelled; fails if an answer is offered twice.

    The learning tests (principles, domains) label through the real buttons so that what the
    model learns from is exactly what an organiser's presses store."""
    chat = bot.emulator.private_chat(bot.organiser)
    await bot.command(chat, "/label")
    choices = label_choices(bot.core.tagger.taxonomy)
    async with bot.core.repo.transaction() as session:
        by_id = {a.id: a.text for a in await session.list_answers()}
    labelled: set[str] = set()
    for _ in range(count):
        message = label_message(bot, chat)
        match = _DATA.match(label_button(message, "ok"))
        assert match is not None
        text = by_id[int(match.group(1))]
        assert text not in labelled, "an answer was offered twice"
        chosen = {i for i in range(len(choices)) if int(match.group(2), 16) >> i & 1}
        want = {i for i in chosen if choices[i] not in corrected}
        want |= {choices.index(t) for t in truth[text]}
        for index in sorted(chosen ^ want):
            if f"t{index}" not in _actions(message):
                # Its theme is on the other page (a domain: principles are shown first).
                other_page = next(a for a in _actions(message) if re.fullmatch(r"p\d", a))
                await press_label(bot, chat, message, other_page)
                message = label_message(bot, chat)
            await press_label(bot, chat, message, f"t{index}")
            message = label_message(bot, chat)
        await press_label(bot, chat, message, "ok")
        labelled.add(text)
    return labelled
