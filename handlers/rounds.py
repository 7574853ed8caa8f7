"""Organiser commands for rounds: /ask /poll /rate /schedule /rounds /close /cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.communities import CommunityError, community_of_chat, resolve_communities
from bot.core import Core
from bot.delivery import send_owed_posts
from bot.parsing import RoundRequest, UsageError, parse_ask, parse_id, parse_poll, parse_schedule
from bot.rounds import RoundError, cancel_round, close_round, create_round, list_recent_rounds
from bot.texts import Lang, say
from handlers.common import authorise, command_args, core_of, in_group, lang_of, reply
from handlers.context import Ctx
from handlers.usage import usage_reply
from storage.models import Community, Round

Parser = Callable[[str, bool], RoundRequest]


def _when(update: Update, context: Ctx, round_: Round, closes: bool) -> str:
    zone = core_of(context).settings.schedule.tz
    moment = round_.closes_at if closes else round_.opens_at
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def _communities(
    update: Update, context: Ctx, request: RoundRequest, lang: Lang
) -> list[Community] | None:
    core = core_of(context)
    if request.community is not None:
        try:
            return await resolve_communities(core, request.community)
        except CommunityError as exc:
            await reply(update, context, say(exc.key, lang, **exc.values))
            return None
    chat = update.effective_chat
    found = None if chat is None else await community_of_chat(core, chat.id)
    if found is None:
        await reply(update, context, say("not_a_community", lang))
        return None
    return [found]


async def _create(update: Update, context: Ctx, parse: Parser) -> None:
    if not await authorise(update, context):
        return
    core = core_of(context)
    lang = lang_of(update, context)
    try:
        request = parse(command_args(update), not in_group(update))
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return
    communities = await _communities(update, context, request, lang)
    if communities is None:
        return
    user = update.effective_user
    assert user is not None
    try:
        created = await create_round(core, request, communities, core.resident(user.id))
    except RoundError as exc:
        await reply(update, context, say(exc.key, lang, **exc.values))
        return
    await send_owed_posts(core, context.bot)
    round_ = created.round
    names = "、".join(c.name for c in created.communities)
    key = "round_scheduled" if round_.state == "scheduled" else "round_opened"
    text = say(
        key,
        lang,
        id=round_.id,
        kind=say(f"kind_{round_.kind}", lang),
        opens=_when(update, context, round_, False),
        closes=_when(update, context, round_, True),
        communities=names,
    )
    if round_.cron:
        text += say("round_recurring", lang, cron=round_.cron)
    await reply(update, context, text)


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
    if not await authorise(update, context):
        return
    core = core_of(context)
    lang = lang_of(update, context)
    community_id = None
    if in_group(update):
        chat = update.effective_chat
        found = None if chat is None else await community_of_chat(core, chat.id)
        if found is None:
            await reply(update, context, say("not_a_community", lang))
            return
        community_id = found.id
    listed = await list_recent_rounds(core, community_id)
    if not listed:
        await reply(update, context, say("no_rounds", lang))
        return
    lines = [say("rounds_header", lang)]
    for r in listed:
        question = r.question if len(r.question) <= 40 else r.question[:39] + "…"
        lines.append(
            say(
                "round_line",
                lang,
                id=r.id,
                state=say(f"state_{r.state}", lang),
                kind=say(f"kind_{r.kind}", lang),
                question=question,
                opens=_when(update, context, r, False),
                closes=_when(update, context, r, True),
            )
        )
    await reply(update, context, "\n".join(lines))


async def _change_round(
    update: Update,
    context: Ctx,
    command: str,
    change: Callable[[Core, int], Awaitable[Round]],
    done_key: str,
) -> bool:
    """Parse `/<command> <round_id>`, apply `change` and confirm; False if nothing changed."""
    if not await authorise(update, context):
        return False
    lang = lang_of(update, context)
    try:
        round_id = parse_id(command, command_args(update))
        assert round_id is not None
        await change(core_of(context), round_id)
    except UsageError as exc:
        await usage_reply(update, context, exc)
        return False
    except RoundError as exc:
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
