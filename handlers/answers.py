"""Residents' answers (group replies, private answers, edits) and votes (polls, ratings)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot.answers import (
    AnswerResult,
    IncomingMessage,
    record_answer,
    record_poll_tally,
    record_poll_vote,
    record_rating,
)
from bot.delivery import RATING_PREFIX
from bot.texts import Lang, say
from handlers.common import core_of, in_group, lang_of, reply
from handlers.context import Ctx

log = logging.getLogger(__name__)


def _themes_hint(result: AnswerResult, lang: Lang) -> str:
    names = [t.name_zh if lang == "zh" else t.name_en for t in result.themes[:3]]
    return say("answer_themes_hint", lang, themes="、".join(names)) if names else ""


async def _handle(update: Update, context: Ctx, edited: bool) -> None:
    message = update.edited_message if edited else update.message
    user = update.effective_user
    if message is None or user is None or user.is_bot:
        return
    private = not in_group(update)
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    if message.text is None and not private and reply_to is None:
        return  # a sticker or photo in the group that answers nothing: not ours to judge
    incoming = IncomingMessage(
        chat_id=message.chat.id,
        private=private,
        message_id=message.message_id,
        user_id=user.id,
        text=message.text,
        reply_to_message_id=reply_to,
        edited=edited,
    )
    result = await record_answer(core_of(context), incoming, context.bot_data.limiter)
    lang = lang_of(update, context)
    match result.outcome:
        case "stored" if private:
            await reply(
                update,
                context,
                say(
                    "answer_received_private",
                    lang,
                    id=result.round_id,
                    themes=_themes_hint(result, lang),
                ),
            )
        case "updated" if private:
            await reply(update, context, say("answer_updated_private", lang, id=result.round_id))
        case "duplicate" if private:
            await reply(update, context, say("answer_duplicate", lang))
        case "too_long":
            await reply(
                update,
                context,
                say(
                    "answer_too_long",
                    lang,
                    length=result.length,
                    limit=core_of(context).settings.limits.max_answer_chars,
                ),
            )
        case "not_text":
            await reply(update, context, say("answer_not_text", lang))
        case "rate_limited":
            await reply(update, context, say("answer_rate_limited", lang))
        case "closed" if private or reply_to is not None:
            await reply(update, context, say("round_not_open", lang, id=result.round_id))
        case "ignored" if private and not edited:
            await reply(update, context, say("private_no_session", lang))
        case _:
            pass


async def answer(update: Update, context: Ctx) -> None:
    """A resident's message: store it if it answers an open text round."""
    await _handle(update, context, edited=False)


async def edited_answer(update: Update, context: Ctx) -> None:
    """An edited message replaces the stored answer."""
    await _handle(update, context, edited=True)


async def poll_answer(update: Update, context: Ctx) -> None:
    """A vote (or retraction) in a non-anonymous poll."""
    vote = update.poll_answer
    if vote is None or vote.user is None:
        return
    await record_poll_vote(core_of(context), vote.poll_id, vote.user.id, list(vote.option_ids))


async def poll_state(update: Update, context: Ctx) -> None:
    """New totals of a poll (the only vote data anonymous polls give)."""
    poll = update.poll
    if poll is None:
        return
    await record_poll_tally(
        core_of(context),
        poll.id,
        [o.voter_count for o in poll.options],
        poll.total_voter_count,
    )


async def rating_button(update: Update, context: Ctx) -> None:
    """A press on a rating round's 1–5 buttons (always answered, so the button stops spinning)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    lang = lang_of(update, context)
    text: str | None = None
    alert = False
    try:
        parts = query.data.split(":")
        if query.message is not None and len(parts) == 3 and parts[2].isdigit():
            value = int(parts[2])
            outcome = await record_rating(
                core_of(context),
                query.message.chat.id,
                query.message.message_id,
                query.from_user.id,
                value,
            )
            if outcome == "recorded":
                text = say("vote_recorded", lang, value=value)
            elif outcome == "closed":
                text, alert = say("vote_closed", lang), True
    finally:
        # Also when recording failed (the update is retried, and answered again then).
        try:
            await query.answer(text, show_alert=alert)
        except BadRequest as exc:  # answered before, or too old: the press is recorded anyway
            log.info("answerCallbackQuery: %s", exc)


RATING_PATTERN = rf"^{RATING_PREFIX}:\d+:\d+$"
