"""Organiser commands for rounds: /ask /poll /rate /schedule /rounds /close /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.core.base import Core
from bot.core.errors import CoreError
from bot.core.models import Round
from bot.core.organiser import change_round, round_communities
from bot.core.parsing import (
    RoundRequest,
    UsageError,
    parse_ask,
    parse_id,
    parse_poll,
    parse_schedule,
)
from bot.core.rounds import cancel_round, close_round, create_round
from bot.render.listings import round_created_text, rounds_text
from bot.render.texts import say
from bot.telegram.outbox import send_owed_posts
from handlers.common import authorise, command_args, core_of, in_group, lang_of, reply
from handlers.context import Ctx
from handlers.usage import usage_reply

Parser = Callable[[str, bool], RoundRequest]


async def _create(update: Update, context: Ctx, parse: Parser) -> None:
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        request = parse(command_args(update), not in_group(update))
        communities = await round_communities(core, caller, request.community)
        created = await create_round(core, request, communities, core.resident(caller.user_id))
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return
    await send_owed_posts(core, context.bot)
    await reply(update, context, round_created_text(created, lang, core.settings.schedule.tz))


async def ask(update: Update, context: Ctx) -> None:
    """Open a text round now."""
    await _create(update, context, lambda args, private: parse_ask(args, private=private))


async def poll(update: Update, context: Ctx) -> None:
    """Open a poll round now."""
    await _create(update, context, lambda args, private: parse_poll(args, private=private))


async def rate(update: Update, context: Ctx) -> None:
    """Open a rating round now."""
    await _create(
        update, context, lambda args, private: parse_ask(args, private=private, kind="rating")
    )


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
    lang = lang_of(update, context)
    try:
        text = await rounds_text(core_of(context), caller, lang, in_group=in_group(update))
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return
    await reply(update, context, text)


async def _change_round(
    update: Update,
    context: Ctx,
    command: str,
    change: Callable[[Core, int], Awaitable[Round]],
    done_key: str,
) -> bool:
    """Parse `/<command> <round_id>`, apply `change` and confirm; False if nothing changed."""
    caller = await authorise(update, context)
    if caller is None:
        return False
    lang = lang_of(update, context)
    try:
        round_id = parse_id(command, command_args(update))
        assert round_id is not None
        await change_round(core_of(context), caller, round_id, change)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return False
    except CoreError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return False
    await reply(update, context, say(done_key, lang, id=round_id))
    return True


async def close(update: Update, context: Ctx) -> None:
    """Close an open round now."""
    if await _change_round(update, context, "close", close_round, "round_closed_ok"):
        await send_owed_posts(core_of(context), context.bot)


async def cancel(update: Update, context: Ctx) -> None:
    """Cancel a scheduled round."""
    await _change_round(update, context, "cancel", cancel_round, "round_cancelled_ok")
