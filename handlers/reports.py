"""Organiser commands for results: /report /export /themes /hide /digest."""

from __future__ import annotations

import io

from telegram import Update

from bot.core.errors import CoreError
from bot.core.organiser import digest_now, export_file, hide_answer_for, report_text
from bot.core.parsing import UsageError, parse_id
from bot.render.listings import themes_text
from bot.render.texts import say
from bot.telegram.digests import send_digest
from handlers.common import (
    authorise,
    command_args,
    core_of,
    lang_of,
    reply,
    send_privately,
)
from handlers.context import Ctx
from handlers.usage import usage_reply

HIDE_REPLIES = {
    "hidden": "hide_done",
    "already_hidden": "hide_already",
    "not_found": "hide_not_found",
}


async def report(update: Update, context: Ctx) -> None:
    """The report of a round (default: this community's latest), in the chat it was asked in."""
    caller = await authorise(update, context)
    if caller is None:
        return
    lang = lang_of(update, context)
    try:
        round_id = parse_id("report", command_args(update), optional=True)
        text = await report_text(core_of(context), caller, round_id, lang)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return
    await reply(update, context, text)


async def export(update: Update, context: Ctx) -> None:
    """A CSV of answers with their themes (pseudonymous), sent to the caller privately."""
    caller = await authorise(update, context)
    if caller is None:
        return
    lang = lang_of(update, context)
    try:
        round_id = parse_id("export", command_args(update), optional=True)
        csv = await export_file(core_of(context), caller, round_id)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return

    async def send(chat_id: int) -> None:
        await context.bot.send_document(chat_id, document=io.BytesIO(csv.data), filename=csv.name)

    await send_privately(update, context, send)


async def themes(update: Update, context: Ctx) -> None:
    """The taxonomy: themes, their kind and sample keywords."""
    if await authorise(update, context) is None:
        return
    lang = lang_of(update, context)
    await reply(update, context, themes_text(core_of(context).tagger.taxonomy, lang))


async def hide(update: Update, context: Ctx) -> None:
    """Moderation: hide an answer from reports and exports."""
    caller = await authorise(update, context)
    if caller is None:
        return
    lang = lang_of(update, context)
    try:
        answer_id = parse_id("hide", command_args(update))
        assert answer_id is not None
        outcome = await hide_answer_for(core_of(context), caller, answer_id)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return
    await reply(update, context, say(HIDE_REPLIES[outcome], lang, id=answer_id))


async def digest(update: Update, context: Ctx) -> None:
    """The digest of the last 7 days, sent to the caller privately now (as staff chats get it)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        built = await digest_now(core, caller, lang)
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return

    async def send(chat_id: int) -> None:
        await send_digest(core, context.bot, chat_id, built)

    await send_privately(update, context, send)
