"""Organiser commands for results: /report /export /themes /hide /digest."""

from __future__ import annotations

import asyncio
import io
import logging

from telegram import Update

from bot.core.digest import gather_digest
from bot.core.errors import MinyiError
from bot.core.moderation import hide_answer
from bot.core.organiser import (
    check_export,
    digest_end,
    export_file,
    report_round,
    round_report,
)
from bot.core.parsing import parse_id, parse_no_arguments
from bot.core.privacy import failure
from bot.core.roles import missed_reports_untold, note_organiser_language, told_missed_reports
from bot.render.digest import render_digest
from bot.render.listings import themes_text
from bot.render.report import render_report
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.digests import send_digest
from bot.telegram.sending import send_text
from handlers.common import (
    authorise,
    command_args,
    core_of,
    in_group,
    lang_of,
    reply,
    send_privately,
    turn_of,
)
from handlers.errors import error_text

log = logging.getLogger(__name__)

HIDE_REPLIES = {
    "hidden": "hide_done",
    "already_hidden": "hide_already",
    "not_found": "hide_not_found",
}


async def remember_language(update: Update, context: Ctx) -> None:
    """Remember an organiser's Telegram language from any command, for the close reports; in
    a group, tell them of close reports they could not be sent (`tell_missed_reports`)."""
    user = update.effective_user
    if user is None:
        return
    if in_group(update):
        await tell_missed_reports(update, context, user.id)
    if not user.language_code:
        return  # Telegram gave none: keep what was remembered
    await note_organiser_language(core_of(context), user.id, lang_of(update, context))


async def tell_missed_reports(update: Update, context: Ctx, user_id: int) -> None:
    """An organiser who could not be sent close reports (no private chat with the bot) is told
    once, in the group of their command, to open one and send /start. Counted as a refusal, so
    that a group is never flooded; marked told only once sent (a notice dropped by the cap is
    given with a later command)."""
    core = core_of(context)
    missed = await missed_reports_untold(core, user_id, turn_of(update, context))
    if not missed:
        return
    lang = lang_of(update, context)

    async def text() -> str:
        await told_missed_reports(core, user_id, missed)
        rounds = ", ".join(f"#{round_id}" for round_id in missed)
        return say(
            "missed_reports_group",
            lang,
            count=len(missed),
            rounds=rounds,
            bot=context.bot.username,
        )

    await reply(update, context, text, refusal=True)


async def report(update: Update, context: Ctx) -> None:
    """The report of a round (default: this community's latest), in the chat it was asked in.

    Built once the command has committed, on the chat's reply line, its segmenting and text
    in a worker thread: seconds over a big round, during which the intake and every other
    chat go on (SPEC §9). The round is checked here, so a refusal comes as for any command."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    round_id = await report_round(
        core, caller, parse_id("report", command_args(update), optional=True)
    )
    lang, private = lang_of(update, context), not in_group(update)

    async def text() -> str:
        try:
            built = await round_report(core, caller, round_id)
        except MinyiError as error:  # the round went out of reach since the check
            return error_text(error, lang, private=private)
        except Exception as exc:
            # After the commit a database failure has no update left to retry: say so.
            log.warning("a report could not be made: %s", failure(exc))
            return say("build_failed", lang)
        return await asyncio.to_thread(render_report, built, lang, core.settings.schedule.tz)

    await reply(update, context, text)


async def export(update: Update, context: Ctx) -> None:
    """A CSV of answers with their themes (pseudonymous), sent to the caller privately; made
    once the command has committed (see `report`)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    round_id = parse_id("export", command_args(update), optional=True)
    await check_export(core, caller, round_id)
    lang = lang_of(update, context)

    async def send(chat_id: int) -> None:
        csv = await export_file(core, caller, round_id)
        if csv.empty:
            # A header-only file would look like a failed export: say why there is none.
            key = "export_empty" if round_id is None else "export_round_empty"
            await send_text(context.bot, chat_id, say(key, lang, id=round_id))
            return
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
    """The digest of the last 7 days, sent to the caller privately now (as staff chats get it);
    gathered and drawn once the command has committed (see `report`)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    parse_no_arguments("digest", command_args(update))
    core = core_of(context)
    until = digest_end(core, caller)
    lang = lang_of(update, context)

    async def send(chat_id: int) -> None:
        period = await gather_digest(core, until)
        zone = core.settings.schedule.tz
        built = await asyncio.to_thread(render_digest, period, lang, zone)
        await send_digest(core, context.bot, chat_id, built)

    await send_privately(update, context, send)
