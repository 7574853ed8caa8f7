"""Sending what rounds owe communities (the outbox) through the Telegram Bot API.

Transitions store their posts first (bot/rounds.py); this module sends each unsent one and
marks it sent, so a crash re-sends only what Telegram never accepted. Telegram faults:
RetryAfter and network errors leave the post for the next pass; a bot removed from a group
(403) marks the community inactive; a group that became a supergroup moves the community.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import PollType
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.core import Core
from bot.report_render import render_report, render_summary, split_message
from bot.reports import build_round_report
from bot.texts import Lang, say
from storage.models import Post, Round

log = logging.getLogger(__name__)

RATING_PREFIX = "rate"


def rating_keyboard(round_id: int) -> InlineKeyboardMarkup:
    """The 1–5 buttons of a rating round."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(v), callback_data=f"{RATING_PREFIX}:{round_id}:{v}")
                for v in range(1, 6)
            ]
        ]
    )


def start_link(core: Core, round_id: int, community_id: int) -> str:
    """The deep link that starts a private answer to a round."""
    return f"https://t.me/{core.bot_username}?start=r{round_id}c{community_id}"


def _when(core: Core, round_: Round) -> str:
    return round_.closes_at.astimezone(core.settings.schedule.tz).strftime("%Y-%m-%d %H:%M")


async def send_text(bot: Bot, chat_id: int, text: str, **kwargs: object) -> list[Message]:
    """Send a text of any length as one or more messages."""
    sent = []
    for chunk in split_message(text):
        sent.append(await bot.send_message(chat_id=chat_id, text=chunk, **kwargs))  # type: ignore[arg-type]
    return sent


async def _send_open(
    core: Core, bot: Bot, post: Post, round_: Round, lang: Lang
) -> tuple[int, str | None]:
    closes = _when(core, round_)
    if round_.kind == "poll":
        message = await bot.send_poll(
            chat_id=post.chat_id,
            question=round_.question,
            options=round_.options,
            is_anonymous=round_.anonymous,
            allows_multiple_answers=round_.multi,
            type=PollType.REGULAR,
        )
        assert message.poll is not None
        return message.message_id, message.poll.id
    if round_.kind == "rating":
        text = say("open_post_rating", lang, id=round_.id, question=round_.question, closes=closes)
        message = await bot.send_message(
            post.chat_id, text, reply_markup=rating_keyboard(round_.id)
        )
        return message.message_id, None
    text = say(
        "open_post_text",
        lang,
        id=round_.id,
        question=round_.question,
        link=start_link(core, round_.id, post.community_id),
        closes=closes,
    )
    message = await bot.send_message(post.chat_id, text)
    return message.message_id, None


async def _send_reminder(core: Core, bot: Bot, post: Post, round_: Round, lang: Lang) -> int:
    async with core.repo.transaction() as session:
        opening = [
            p
            for p in await session.list_posts(round_.id, "open")
            if p.community_id == post.community_id
        ]
    reply = None
    if opening and opening[0].message_id is not None:
        reply = ReplyParameters(message_id=opening[0].message_id, allow_sending_without_reply=True)
    text = say(
        "reminder_post", lang, id=round_.id, question=round_.question, closes=_when(core, round_)
    )
    message = await bot.send_message(post.chat_id, text, reply_parameters=reply)
    return message.message_id


async def _send_close(core: Core, bot: Bot, post: Post, round_: Round, lang: Lang) -> int:
    if round_.kind == "poll":
        async with core.repo.transaction() as session:
            opening = [
                p
                for p in await session.list_posts(round_.id, "open")
                if p.community_id == post.community_id and p.message_id is not None
            ]
        for p in opening:
            try:
                assert p.message_id is not None
                await bot.stop_poll(post.chat_id, p.message_id)
            except BadRequest as exc:  # already closed, or deleted by an admin
                log.info("stopPoll for round %s: %s", round_.id, exc)
    elif round_.kind == "rating":
        async with core.repo.transaction() as session:
            opening = [
                p
                for p in await session.list_posts(round_.id, "open")
                if p.community_id == post.community_id and p.message_id is not None
            ]
        for p in opening:
            try:
                assert p.message_id is not None
                await bot.edit_message_reply_markup(post.chat_id, p.message_id, reply_markup=None)
            except BadRequest as exc:
                log.info("removing rating buttons of round %s: %s", round_.id, exc)
    report = await build_round_report(core, round_.id)
    assert report is not None
    # The community sees its own figures; the organisers get every community's.
    mine = next((c for c in report.per_community if c.name == post.community_name), None)
    text = render_summary(report, lang)
    if mine is not None and len(report.per_community) > 1:
        text = render_summary(
            report.model_copy(
                update={
                    "participants": mine.participants,
                    "answers": mine.answers,
                    "poll": mine.poll,
                    "themes": mine.themes,
                }
            ),
            lang,
        )
    messages = await send_text(bot, post.chat_id, text)
    return messages[0].message_id


async def send_report_to_organisers(core: Core, bot: Bot, round_id: int) -> None:
    """The full report of a closed round, privately to every organiser who started the bot."""
    report = await build_round_report(core, round_id)
    if report is None:
        return
    lang = core.settings.locale.default
    text = render_report(report, lang, core.settings.schedule.tz)
    for organiser in core.settings.roles.organisers:
        try:
            await send_text(bot, organiser, text)
        except (Forbidden, BadRequest) as exc:
            log.info("organiser %s cannot receive the report: %s", organiser, exc)


async def send_owed_posts(core: Core, bot: Bot) -> int:
    """Send every post owed and not yet sent; return how many were sent."""
    sent = 0
    migrated = False
    lang = core.settings.locale.default
    async with core.post_lock:
        async with core.repo.transaction() as session:
            posts = await session.list_unsent_posts()
        rounds: dict[int, Round] = {}
        for post in posts:
            if post.round_id not in rounds:
                async with core.repo.transaction() as session:
                    found = await session.get_round(post.round_id)
                if found is None:
                    continue
                rounds[post.round_id] = found
            round_ = rounds[post.round_id]
            try:
                poll_id = None
                if post.purpose == "open":
                    message_id, poll_id = await _send_open(core, bot, post, round_, lang)
                elif post.purpose == "reminder":
                    message_id = await _send_reminder(core, bot, post, round_, lang)
                else:
                    message_id = await _send_close(core, bot, post, round_, lang)
            except Forbidden as exc:
                log.warning(
                    "bot cannot post in chat %s (%s): community inactive", post.chat_id, exc
                )
                async with core.repo.transaction() as session:
                    await session.set_community_active(post.chat_id, False)
                continue
            except ChatMigrated as exc:
                log.info("chat %s migrated to %s", post.chat_id, exc.new_chat_id)
                async with core.repo.transaction() as session:
                    await session.set_community_chat(post.chat_id, exc.new_chat_id)
                migrated = True
                break
            except (RetryAfter, NetworkError) as exc:
                log.warning("post for round %s deferred: %s", post.round_id, exc)
                break
            async with core.repo.transaction() as session:
                await session.set_post_sent(
                    post.round_id, post.community_id, post.purpose, core.now(), message_id, poll_id
                )
                remaining = [
                    p for p in await session.list_posts(post.round_id, "close") if p.sent_at is None
                ]
            sent += 1
            if post.purpose == "close" and not remaining:
                await send_report_to_organisers(core, bot, post.round_id)
    if migrated:
        # The migrated community's posts go to its new chat id on a fresh pass.
        sent += await send_owed_posts(core, bot)
    return sent
