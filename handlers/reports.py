"""Organiser commands for results: /report /export /themes /hide /digest."""

from __future__ import annotations

import io

from telegram import Update

from bot.core.moderation import hide_answer
from bot.core.organiser import digest_now, export_file, round_report
from bot.core.parsing import parse_id, parse_no_arguments
from bot.core.roles import note_organiser_language
from bot.render.digest import render_digest
from bot.render.listings import themes_text
from bot.render.report import render_report
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.digests import send_digest
from handlers.common import (
    authorise,
    command_args,
    core_of,
    lang_of,
    reply,
    send_privately,
    turn_of,
)

HIDE_REPLIES = {
    "hidden": "hide_done",
    "already_hidden": "hide_already",
    "not_found": "hide_not_found",
}


async def remember_language(update: Update, context: Ctx) -> None:
    """Remember an organiser's Telegram language from any command, for the close reports."""
    user = update.effective_user
    if user is None or not user.language_code:
        return  # Telegram gave none: keep what was remembered
    await note_organiser_language(core_of(context), user.id, lang_of(update, context))


async def report(update: Update, context: Ctx) -> None:
    """The report of a round (default: this community's latest), in the chat it was asked in."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    round_id = parse_id("report", command_args(update), optional=True)
    built = await round_report(core, caller, round_id)
    text = render_report(built, lang_of(update, context), core.settings.schedule.tz)
    await reply(update, context, text)


async def export(update: Update, context: Ctx) -> None:
    """A CSV of answers with their themes (pseudonymous), sent to the caller privately."""
    caller = await authorise(update, context)
    if caller is None:
        return
    round_id = parse_id("export", command_args(update), optional=True)
    csv = await export_file(core_of(context), caller, round_id)

    async def send(chat_id: int) -> None:
        await context.bot.send_document(chat_id, document=io.BytesIO(csv.data), filename=csv.name)

    await send_privately(update, context, send)


async def themes(update: Update, context: Ctx) -> None:
    """The taxonomy: themes, their kind and sample keywords."""
    if await authorise(update, context) is None:
        return
    parse_no_arguments("themes", command_args(update))
    lang = lang_of(update, context)
    await reply(update, context, themes_text(core_of(context).tagger.taxonomy, lang))


async def hide(update: Update, context: Ctx) -> None:
    """Moderation: hide an answer from reports and exports."""
    caller = await authorise(update, context)
    if caller is None:
        return
    answer_id = parse_id("hide", command_args(update))
    assert answer_id is not None
    outcome = await hide_answer(core_of(context), caller, answer_id, turn=turn_of(update, context))
    await reply(update, context, say(HIDE_REPLIES[outcome], lang_of(update, context), id=answer_id))


async def digest(update: Update, context: Ctx) -> None:
    """The digest of the last 7 days, sent to the caller privately now (as staff chats get it)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    parse_no_arguments("digest", command_args(update))
    core = core_of(context)
    period = await digest_now(core, caller)
    built = render_digest(period, lang_of(update, context), core.settings.schedule.tz)

    async def send(chat_id: int) -> None:
        await send_digest(core, context.bot, chat_id, built)

    await send_privately(update, context, send)
