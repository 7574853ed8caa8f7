"""Organiser commands for results: /report /export /themes /hide /digest."""

from __future__ import annotations

import io

from telegram import Update

from bot.communities import community_of_chat
from bot.digest import build_digest
from bot.digest_job import send_digest
from bot.exports import export_rows, hide_answer, rows_to_csv
from bot.parsing import UsageError, parse_id
from bot.report_render import render_report
from bot.reports import build_round_report, latest_round_id
from bot.texts import say
from handlers.common import authorise, command_args, core_of, in_group, lang_of, reply
from handlers.context import Ctx
from handlers.usage import usage_reply


async def report(update: Update, context: Ctx) -> None:
    """The report of a round (default: this community's latest)."""
    if not await authorise(update, context):
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        round_id = parse_id("report", command_args(update), optional=True)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    if round_id is None:
        community = None
        if in_group(update) and update.effective_chat is not None:
            community = await community_of_chat(core, update.effective_chat.id)
        round_id = await latest_round_id(core, community.id if community else None)
    built = None if round_id is None else await build_round_report(core, round_id)
    if built is None:
        key = "report_none" if round_id is None else "round_not_found"
        await reply(update, context, say(key, lang, id=round_id))
        return
    await reply(update, context, render_report(built, lang, core.settings.schedule.tz))


async def export(update: Update, context: Ctx) -> None:
    """A CSV of answers with their themes (pseudonymous)."""
    if not await authorise(update, context):
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        round_id = parse_id("export", command_args(update), optional=True)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    if round_id is not None:
        async with core.repo.transaction() as session:
            if await session.get_round(round_id) is None:
                await reply(update, context, say("round_not_found", lang, id=round_id))
                return
    data = rows_to_csv(await export_rows(core, round_id))
    name = f"minyi-answers-{round_id or 'all'}.csv"
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, document=io.BytesIO(data), filename=name)


async def themes(update: Update, context: Ctx) -> None:
    """The taxonomy: themes, their kind and sample keywords."""
    if not await authorise(update, context):
        return
    lang = lang_of(update, context)
    taxonomy = core_of(context).tagger.taxonomy
    lines = []
    for kind in ("principle", "domain"):
        lines.append(say("report_principles" if kind == "principle" else "report_domains", lang))
        for t in taxonomy.themes:
            if t.kind != kind:
                continue
            name = t.name_zh if lang == "zh" else t.name_en
            sample = "、".join(t.keywords[:6])
            indent = "    " if t.parent else "  "
            lines.append(f"{indent}{name} ({t.id}): {sample}")
    await reply(update, context, "\n".join(lines))


async def hide(update: Update, context: Ctx) -> None:
    """Moderation: hide an answer from reports and exports."""
    if not await authorise(update, context):
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        answer_id = parse_id("hide", command_args(update))
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    assert answer_id is not None and update.effective_user is not None
    outcome = await hide_answer(core, answer_id, core.resident(update.effective_user.id))
    key = {"hidden": "hide_done", "already_hidden": "hide_already", "not_found": "hide_not_found"}
    await reply(update, context, say(key[outcome], lang, id=answer_id))


async def digest(update: Update, context: Ctx) -> None:
    """The digest of the last 7 days, sent to the caller now (as staff chats get it)."""
    if not await authorise(update, context):
        return
    core = core_of(context)
    chat = update.effective_chat
    assert chat is not None
    built = await build_digest(core, core.now(), lang_of(update, context))
    await send_digest(core, context.bot, chat.id, built)
