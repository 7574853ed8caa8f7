"""Residents' answers (group replies, private answers, edits) and votes (polls, ratings)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot, MaybeInaccessibleMessage, Message, MessageOriginUser, Update

from bot.core.answers import (
    AnswerResult,
    IncomingMessage,
    adopt_stopped_poll,
    prepare_texts,
    record_answer,
    record_answers,
    record_poll_tally,
    record_poll_vote,
    record_rating,
)
from bot.core.base import Core, PreparedText, Turn
from bot.core.parsing import parse_start_payload
from bot.render.texts import Lang, pick_lang, say
from bot.telegram.context import BotData, Ctx
from bot.telegram.keyboards import parse_rating
from bot.telegram.orphan_polls import stopped_poll
from handlers.buttons import dead_button
from handlers.common import (
    answer_press,
    core_of,
    in_group,
    lang_of,
    reply,
    reply_in_chat,
    turn_of,
)

log = logging.getLogger(__name__)


def _themes_hint(result: AnswerResult, lang: Lang) -> str:
    names = [t.name_zh if lang == "zh" else t.name_en for t in result.themes[:3]]
    return say("answer_themes_hint", lang, themes=names) if names else ""


# Outcomes whose reply says "no": capped per chat (bot/telegram/replies.py), so a resident
# flooding a round cannot make the bot flood the group back.
REFUSALS = frozenset({"too_long", "not_text", "rate_limited", "closed", "ignored", "inactive"})


def reply_text(
    result: AnswerResult, message: IncomingMessage, lang: Lang, limit: int
) -> str | None:
    """What the bot says back to a message it judged, or None (most group answers: silence)."""
    private = message.private
    match result.outcome:
        case "stored" if private:
            hint = _themes_hint(result, lang)
            return say("answer_received_private", lang, id=result.round_id, themes=hint)
        case "updated" if private:
            return say("answer_updated_private", lang, id=result.round_id)
        case "duplicate" if private:
            return say("answer_duplicate", lang)
        case "too_long":
            return say("answer_too_long", lang, length=result.length, limit=limit)
        case "not_text":
            return say("answer_not_text", lang)
        case "rate_limited":
            return say("answer_rate_limited", lang)
        case "closed" if private or message.reply_to_message_id is not None:
            return say("round_not_open", lang, id=result.round_id)
        case "inactive" if private:
            return say("private_community_inactive", lang, id=result.round_id)
        case "ignored" if private and not message.edited:
            return say("private_no_session", lang)
        case _:
            return None


async def _handle(update: Update, context: Ctx, edited: bool) -> None:
    message = update.edited_message if edited else update.message
    user = update.effective_user
    if message is None or user is None or user.is_bot:
        return
    if message.sender_chat is not None or message.is_automatic_forward:
        # Sent on behalf of a chat, not by a resident: a linked channel's post forwarded into
        # its discussion group (from Telegram's service account 777000, no bot), a post as a
        # channel, an anonymous administrator.
        return
    private = not in_group(update)
    if _forwarded_from_another(message, user.id):
        # Someone else's words (a notice, a post from another chat): not this resident's answer.
        if private and not edited:
            hint = say("answer_forwarded", lang_of(update, context))
            await reply(update, context, hint, refusal=True)
        return
    replied = message.reply_to_message
    reply_to = replied.message_id if replied else None
    if message.is_topic_message and reply_to == message.message_thread_id:
        reply_to = None  # the first message of its forum topic: a reply to nothing in particular
    if message.text is None and not private and reply_to is None:
        return  # a sticker or photo in the group that answers nothing: not ours to judge
    incoming = IncomingMessage(
        chat_id=message.chat.id,
        private=private,
        message_id=message.message_id,
        user_id=user.id,
        text=message.text,
        reply_to_message_id=reply_to,
        reply_to_bot=bool(reply_to and replied and replied.from_user and replied.from_user.is_bot),
        reply_shows=_shown_round(replied.text)
        if reply_to and replied and replied.from_user and replied.from_user.id == context.bot.id
        else None,
        edited=edited,
        sent_at=message.date,
    )
    core = core_of(context)
    result = await record_answer(
        core, incoming, context.bot_data.limiter, turn=turn_of(update, context)
    )
    text = reply_text(result, incoming, lang_of(update, context), _limit(core))
    if text is not None:
        await reply(update, context, text, refusal=result.outcome in REFUSALS)


def _shown_round(text: object) -> tuple[int, int] | None:
    """(round, community) of the start link in a text (the bot's opening post of a text round
    carries one: bot/telegram/outbox.py `start_link`), or None."""
    if not isinstance(text, str):
        return None
    match = _START_LINK.search(text)
    parsed = None if match is None else parse_start_payload(match.group(1))
    if parsed is None or parsed[1] is None:
        return None
    return parsed[0], parsed[1]


def _forwarded_from_another(message: Message, user_id: int) -> bool:
    """Whether the message forwards what somebody other than `user_id` wrote."""
    origin = message.forward_origin
    if origin is None:
        return False
    return not (isinstance(origin, MessageOriginUser) and origin.sender_user.id == user_id)


def _from_bot(raw: object) -> bool:
    """Whether a raw message (Bot API JSON) was sent by a bot."""
    sender = raw.get("from") if isinstance(raw, dict) else None
    return isinstance(sender, dict) and sender.get("is_bot") is True


def _limit(core: Core) -> int:
    return core.settings.limits.max_answer_chars


# A /start deep link to answer a round privately, as the opening post shows it.
_START_LINK = re.compile(r"\?start=(r[0-9]+c[0-9]+)")


@dataclass(frozen=True)
class PlainAnswer:
    """A new text message from a person, not a command: everything answering needs."""

    message: IncomingMessage
    language_code: str | None
    # The sender of the message it replies to and the round its start link shows, if any
    # (set on `message` once the sender is known to be this bot: `record_plain_answers`).
    shows: tuple[int, tuple[int, int]] | None = None


def read_plain_answer(raw: Mapping[str, Any]) -> PlainAnswer | None:
    """The message of a raw update (Bot API JSON) if it is a plain new text message, else None.

    Nearly every update of a busy round is one: the intake hands those to
    `record_plain_answers`
    without building PTB objects or dispatching (which cost as much as segmenting them).
    Anything else (commands, edits, votes, service messages, bots, channels, odd shapes) goes
    through PTB and the handlers as usual; the two paths store the same answer the same way.
    """
    message = raw.get("message")
    if not isinstance(message, dict):
        return None
    text, sender, chat = message.get("text"), message.get("from"), message.get("chat")
    if not (isinstance(text, str) and isinstance(sender, dict) and isinstance(chat, dict)):
        return None
    if text.startswith("/") or sender.get("is_bot") is not False:
        return None
    if "sender_chat" in message or "is_automatic_forward" in message or "forward_origin" in message:
        return None  # on behalf of a chat (a linked channel, an anonymous admin): PTB's path
    chat_type = chat.get("type")
    if chat_type not in ("private", "group", "supergroup"):
        return None
    replied = message.get("reply_to_message")
    reply_to = replied.get("message_id") if isinstance(replied, dict) else None
    if message.get("is_topic_message") is True and reply_to == message.get("message_thread_id"):
        reply_to = None  # the first message of its forum topic: a reply to nothing in particular
    ids = (chat.get("id"), message.get("message_id"), sender.get("id"))
    if not all(type(i) is int for i in ids) or not (reply_to is None or type(reply_to) is int):
        return None
    language = sender.get("language_code")
    replied_by = replied.get("from") if isinstance(replied, dict) else None
    shown = _shown_round(replied.get("text")) if isinstance(replied, dict) else None
    by = replied_by.get("id") if isinstance(replied_by, dict) else None
    return PlainAnswer(
        message=IncomingMessage(
            chat_id=chat["id"],
            private=chat_type == "private",
            message_id=message["message_id"],
            user_id=sender["id"],
            text=text,
            reply_to_message_id=reply_to,
            reply_to_bot=reply_to is not None and _from_bot(replied),
        ),
        language_code=language if isinstance(language, str) else None,
        shows=(by, shown) if type(by) is int and shown is not None and reply_to else None,
    )


# Texts prepared between two turns of the event loop: the batch being committed meanwhile
# needs the loop for a moment between its statements.
PREPARE_CHUNK = 25


async def prepare_plain_answers(
    data: BotData, items: Sequence[PlainAnswer]
) -> Mapping[str, PreparedText]:
    """The texts of plain answers redacted and tagged ahead of `record_plain_answers`
    (bot/core/answers.py `prepare_texts`), a few at a time."""
    core = data.require_core()
    texts = [i.message.text for i in items if i.message.text is not None]
    prepared: dict[str, PreparedText] = {}
    for start in range(0, len(texts), PREPARE_CHUNK):
        if start:
            await asyncio.sleep(0)
        prepared.update(prepare_texts(core, texts[start : start + PREPARE_CHUNK]))
    return prepared


async def record_plain_answers(
    bot: Bot, data: BotData, items: Sequence[PlainAnswer], turn: Turn
) -> None:
    """Record plain answers (`read_plain_answer`) together and reply where a reply is due
    (after `turn` has committed)."""
    core = data.require_core()
    messages = [
        i.message.model_copy(update={"reply_shows": i.shows[1]})
        if i.shows is not None and i.shows[0] == bot.id
        else i.message
        for i in items
    ]
    results = await record_answers(core, messages, data.limiter, turn=turn)
    default = core.settings.locale.default
    for item, result in zip(items, results, strict=True):
        lang = pick_lang(item.language_code, default)
        text = reply_text(result, item.message, lang, _limit(core))
        if text is not None:
            message = item.message
            await reply_in_chat(
                bot,
                core,
                turn,
                message.chat_id,
                text,
                reply_to=message.message_id,
                group=not message.private,
                refusal=result.outcome in REFUSALS,
            )


async def answer(update: Update, context: Ctx) -> None:
    """A resident's message: store it if it answers an open text round."""
    await _handle(update, context, edited=False)


async def edited_answer(update: Update, context: Ctx) -> None:
    """An edited message replaces the stored answer."""
    await _handle(update, context, edited=True)


async def poll_answer(update: Update, context: Ctx) -> None:
    """A vote (or retraction) in a non-anonymous poll. A vote cast as a chat (an anonymous
    administrator votes as the group) is that chat's: Telegram counts the chat as one voter,
    and its `user` is then the same @Channel_Bot for every such chat."""
    vote = update.poll_answer
    if vote is None:
        return
    if vote.voter_chat is not None:
        voter = vote.voter_chat.id
    elif vote.user is not None:
        voter = vote.user.id
    else:
        return
    await record_poll_vote(
        core_of(context),
        vote.poll_id,
        voter,
        list(vote.option_ids),
        turn=turn_of(update, context),
    )


async def poll_state(update: Update, context: Ctx) -> None:
    """New totals of a poll (the only vote data anonymous polls give)."""
    poll = update.poll
    if poll is None:
        return
    if poll.is_closed:
        # Perhaps a round's first copy, stopped by the search for it as the bot lost the
        # answer (bot/core/answers.py `adopt_stopped_poll`).
        stopped = stopped_poll(poll)
        if await adopt_stopped_poll(core_of(context), stopped, turn=turn_of(update, context)):
            return
    await record_poll_tally(
        core_of(context),
        poll.id,
        [o.voter_count for o in poll.options],
        poll.total_voter_count,
        turn=turn_of(update, context),
    )


def _carries_rating(message: MaybeInaccessibleMessage, bot_id: int, round_id: int) -> bool:
    """Whether the pressed message, as Telegram shows it, is the bot's and carries round
    `round_id`'s rating buttons (its content cannot be forged by the presser)."""
    if not isinstance(message, Message) or message.from_user is None:
        return False
    if message.from_user.id != bot_id or message.reply_markup is None:
        return False
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            press = parse_rating(data) if isinstance(data, str) else None
            if press is not None and press.round_id == round_id:
                return True
    return False


async def rating_button(update: Update, context: Ctx) -> None:
    """A press on a rating round's 1–5 buttons, always answered so the button stops spinning
    (a refusal only while its presser had few this minute: handlers/common.py `answer_press`)."""
    query = update.callback_query
    if query is None:
        return
    press = parse_rating(query.data)
    if press is None:
        # PTB gives a press without data to the first button handler, whatever its pattern.
        await dead_button(update, context)
        return
    lang = lang_of(update, context)
    # Answered also when recording failed (the update is retried, and answered again then).
    text: str | None = None
    alert = refusal = False
    try:
        if query.message is None:
            text, refusal = say("button_gone", lang), True
        else:
            outcome = await record_rating(
                core_of(context),
                query.message.chat.id,
                query.message.message_id,
                query.from_user.id,
                press.round_id,
                press.value,
                carries_round=_carries_rating(query.message, context.bot.id, press.round_id),
                turn=turn_of(update, context),
            )
            if outcome == "recorded":
                text = say("vote_recorded", lang, value=press.value)
            elif outcome == "closed":
                text, alert, refusal = say("vote_closed", lang), True, True
            else:
                text, refusal = say("button_not_here", lang), True
    finally:
        await answer_press(update, context, text, refusal=refusal, alert=alert)
