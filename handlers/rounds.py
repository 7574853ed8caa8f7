"""Organiser commands for rounds: /ask /poll /rate /schedule /rounds /close /cancel."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.core.communities import check_community_first
from bot.core.errors import LoneWord
from bot.core.organiser import RoundChange, change_round, recent_rounds, round_communities
from bot.core.parsing import (
    RoundRequest,
    parse_ask,
    parse_cancel,
    parse_id,
    parse_poll,
    parse_priorities,
    parse_rate,
    parse_rounds,
    parse_schedule,
)
from bot.core.rounds import cancel_round, close_round, create_round, stop_series
from bot.render.listings import round_changed_text, round_created_text, rounds_text
from bot.render.texts import say
from bot.telegram.context import Ctx
from handlers.common import authorise, command_args, core_of, in_group, lang_of, reply, turn_of

Parser = Callable[[str, bool], RoundRequest]


async def _create(update: Update, context: Ctx, parse: Parser) -> None:
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    private = not in_group(update)
    try:
        request = parse(command_args(update), private)
    except LoneWord as error:
        # `/ask 你觉得停车怎么样？`: the question alone, read as a community's name.
        await check_community_first(core, error.command, error.word)
        raise
    if request.kind == "priorities" and not request.question:
        if private and request.community is not None and request.duration is None:
            # `/priorities 你觉得最该先做什么？`: alone, a question reads as a community's name.
            await check_community_first(core, "priorities", request.community)
        # The standard question, in the deployment's language like the options (the whole
        # group reads the poll, not only the organiser who asked for it).
        question = say("priorities_question", core.settings.locale.default)
        request = request.model_copy(update={"question": question})
    targets = await round_communities(core, caller, request.community, named=request.named)
    message = update.effective_message
    topics: dict[int, int] = {}
    if message is not None and message.is_topic_message and message.message_thread_id:
        # Asked inside a forum topic: the round is put to that topic of the group's community.
        topics = {
            c.id: message.message_thread_id
            for c in targets.communities
            if c.chat_id == message.chat.id
        }
    created = await create_round(
        core,
        request,
        targets.communities,
        core.resident(caller.user_id),
        skipped=targets.skipped,
        topics=topics,
        turn=turn_of(update, context),
    )
    lang = lang_of(update, context)
    await reply(update, context, round_created_text(created, lang, core.settings.schedule.tz))


async def ask(update: Update, context: Ctx) -> None:
    """Open a text round now."""
    await _create(update, context, lambda args, private: parse_ask(args, private=private))


async def poll(update: Update, context: Ctx) -> None:
    """Open a poll round now."""
    await _create(update, context, lambda args, private: parse_poll(args, private=private))


async def rate(update: Update, context: Ctx) -> None:
    """Open a rating round now (with `--indicator <id>`, one that feeds the index)."""
    await _create(update, context, lambda args, private: parse_rate(args, private=private))


async def priorities(update: Update, context: Ctx) -> None:
    """Open a priorities round now: a multiple-answer poll over the index's principles; the
    standard question when none is given (see `_create`)."""
    await _create(update, context, lambda args, private: parse_priorities(args, private=private))


async def schedule(update: Update, context: Ctx) -> None:
    """Schedule a text (or, with options, poll) round."""
    core = core_of(context)
    zone = core.settings.schedule.tz
    await _create(
        update,
        context,
        lambda args, private: parse_schedule(args, now=core.now(), zone=zone, private=private),
    )


async def rounds(update: Update, context: Ctx) -> None:
    """List scheduled, open and recently closed rounds."""
    caller = await authorise(update, context)
    if caller is None:
        return
    private = not in_group(update)
    name = parse_rounds(command_args(update), private=private)
    core = core_of(context)
    listing = await recent_rounds(core, caller, name)
    lang = lang_of(update, context)
    zone = core.settings.schedule.tz
    await reply(update, context, rounds_text(listing, lang, zone, communities=private))


async def _change_round(
    update: Update, context: Ctx, parse: Callable[[str], tuple[int, RoundChange]]
) -> None:
    """`/close` or `/cancel`: apply the change `parse` reads from the arguments and say what
    happened (and, in a recurring series, what comes next)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    round_id, change = parse(command_args(update))
    core = core_of(context)
    changed = await change_round(core, caller, round_id, change, turn=turn_of(update, context))
    lang = lang_of(update, context)
    await reply(update, context, round_changed_text(changed, lang, core.settings.schedule.tz))


def _parse_close(args: str) -> tuple[int, RoundChange]:
    round_id = parse_id("close", args)
    assert round_id is not None
    return round_id, close_round


def _parse_cancel(args: str) -> tuple[int, RoundChange]:
    round_id, series = parse_cancel(args)
    return round_id, stop_series if series else cancel_round


async def close(update: Update, context: Ctx) -> None:
    """Close an open round now."""
    await _change_round(update, context, _parse_close)


async def cancel(update: Update, context: Ctx) -> None:
    """Cancel a scheduled round (one occurrence of a recurring one), or with `--series` stop
    a recurring round's series."""
    await _change_round(update, context, _parse_cancel)
