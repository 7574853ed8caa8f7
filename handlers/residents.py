"""Resident commands: /start (with a round link), /help, /privacy, /mydata, /forget."""

from __future__ import annotations

import logging
from functools import partial

from telegram import Update

from bot.core.answers import StartRefusal, left_group, start_private_answer
from bot.core.chats import set_chat_migrated
from bot.core.durations import local_minute
from bot.core.models import Round
from bot.core.parsing import parse_start_payload
from bot.core.residents import forget_resident, my_data
from bot.core.roles import take_missed_reports
from bot.render.help import Role, help_text
from bot.render.residents import my_data_text
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.keyboards import forget_keyboard, parse_forget
from handlers.common import (
    answer_press,
    caller_if_any,
    command_args,
    core_of,
    in_group,
    is_group_member,
    lang_of,
    pressed_in_own_private_chat,
    reply,
    turn_of,
)

log = logging.getLogger(__name__)


async def start(update: Update, context: Ctx) -> None:
    """`/start` alone shows help; `/start r<id>` begins a private answer to that round."""
    user = update.effective_user
    if user is None or in_group(update):
        return
    lang = lang_of(update, context)
    payload = command_args(update).strip()
    if not payload:
        await help_command(update, context)
        await offer_missed_reports(update, context, user.id)
        return
    target = parse_start_payload(payload)
    round_: Round | StartRefusal = "bad_link"
    if target is not None:
        core, turn = core_of(context), turn_of(update, context)

        async def is_member(chat_id: int) -> bool:
            # A group upgraded unseen: the move is kept with this update's effects.
            return await is_group_member(
                context, chat_id, user.id, moved=partial(set_chat_migrated, core, turn=turn)
            )

        round_ = await start_private_answer(
            core_of(context),
            user.id,
            target[0],
            target[1],
            is_member=is_member,
            turn=turn_of(update, context),
        )
    if round_ == "not_member":
        # Said without naming the community or its group: the link may have been guessed.
        await reply(update, context, say("start_members_only", lang), refusal=True)
        return
    if round_ == "votes_in_group" and target is not None:
        # Said without the question or the community: the round id may have been guessed.
        await reply(update, context, say("start_vote_in_group", lang, id=target[0]), refusal=True)
        return
    if not isinstance(round_, Round):
        await reply(update, context, say("start_bad_link", lang), refusal=True)
        return
    zone = core_of(context).settings.schedule.tz
    await reply(
        update,
        context,
        say(
            "private_start",
            lang,
            id=round_.id,
            question=round_.question,
            closes=local_minute(round_.closes_at, zone),
        ),
        refusal=True,  # capped: the same link sent a hundred times is answered a few times
    )


async def offer_missed_reports(update: Update, context: Ctx, user_id: int) -> None:
    """An organiser who could not be sent close reports opened the private chat: say how to
    get each one (/report <id>), once."""
    missed = await take_missed_reports(core_of(context), user_id, turn_of(update, context))
    if missed:
        commands = "\n".join(f"/report {round_id}" for round_id in missed)
        await reply(
            update,
            context,
            say("missed_reports_start", lang_of(update, context), commands=commands),
        )


async def left(update: Update, context: Ctx) -> None:
    """Someone left a group (a `left_chat_member` service message, also when removed): only
    members answer for a community, so a private answer they began for it ends, and the bot
    asks Telegram again before their next link counts."""
    message = update.message
    if message is None or message.left_chat_member is None or not in_group(update):
        return
    gone = message.left_chat_member
    if gone.is_bot:
        return
    context.bot_data.member_cache.forget(message.chat.id, gone.id)
    await left_group(core_of(context), gone.id, message.chat.id, turn=turn_of(update, context))


# Anyone may send /help, /privacy, /mydata and /start as often as they like: their answers are
# capped per chat and minute as refusals are (bot/telegram/replies.py; a private chat has more
# room), so one resident sending them a hundred times neither makes the bot flood a group nor
# takes other chats' share of the bot's messages with a hundred texts to themselves.


async def help_command(update: Update, context: Ctx) -> None:
    """How to take part, and the commands the sender may use here."""
    caller = await caller_if_any(update, context)
    role: Role = "resident"
    if caller is not None:
        role = "organiser" if caller.organiser else "group_admin"
    text = help_text(
        lang_of(update, context),
        role,
        private=not in_group(update),
        admins_are_organisers=core_of(context).settings.roles.group_admins_are_organisers,
    )
    await reply(update, context, text, refusal=True)


async def privacy(update: Update, context: Ctx) -> None:
    """What is stored, for how long, and who sees it."""
    days = core_of(context).settings.privacy.retention_days
    text = say("privacy", lang_of(update, context), days=days)
    await reply(update, context, text, refusal=True)


async def mydata(update: Update, context: Ctx) -> None:
    """The resident's own answers and votes, privately."""
    user = update.effective_user
    lang = lang_of(update, context)
    if user is None:
        return
    if in_group(update):
        await reply(update, context, say("private_only", lang), refusal=True)
        return
    data = await my_data(core_of(context), user.id)
    await reply(update, context, my_data_text(data, lang), refusal=True)


async def forget(update: Update, context: Ctx) -> None:
    """Ask for confirmation before deleting all the resident's data."""
    lang = lang_of(update, context)
    if in_group(update):
        await reply(update, context, say("private_only", lang), refusal=True)
        return
    keyboard = forget_keyboard(say("forget_yes", lang), say("forget_no", lang))
    await reply(update, context, say("forget_confirm", lang), reply_markup=keyboard, refusal=True)


async def forget_button(update: Update, context: Ctx) -> None:
    """The resident confirmed (or declined) /forget."""
    query = update.callback_query
    if query is None:
        return
    lang = lang_of(update, context)
    choice = parse_forget(query.data)
    # Only on the bot's own confirmation, in the presser's private chat: a forged press on
    # any other message (a group's rating post) must neither delete nor edit anything.
    if choice is None or not pressed_in_own_private_chat(query):
        log.info("a forget button press on a message that is no /forget confirmation ignored")
        await answer_press(update, context, say("button_not_here", lang), refusal=True)
        return
    if choice == "yes":
        answers, votes = await forget_resident(
            core_of(context), query.from_user.id, turn=turn_of(update, context)
        )
        text = say("forget_done", lang, answers=answers, votes=votes)
    else:
        text = say("forget_kept", lang)
    # Answered and edited once the deletion has committed (handlers/common.py answer_press).
    await answer_press(update, context, edit=lambda: query.edit_message_text(text))
