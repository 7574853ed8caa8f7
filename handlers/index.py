"""Organiser commands for the governance index (SPEC §10): /index and /index post."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.core.index.compute import table_order
from bot.core.organiser import index_for, owe_index_posts
from bot.core.parsing import parse_index
from bot.render.index_report import scorecard_png
from bot.render.index_text import index_caption, index_table
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.sending import Photo, send_album, send_text
from handlers.common import (
    authorise,
    command_args,
    core_of,
    lang_of,
    reply,
    send_privately,
    turn_of,
)

#: Sends are retried this often (flood waits, network errors, a group moved to a supergroup).
ATTEMPTS = 3
#: `/index` sends the city table's first TABLE_ROWS lines and the first SCORECARDS scorecards
#: to the caller; at city scale (hundreds of communities) the rest is in the published report
#: (`minyi index report`, and `/index/` on the web pages), not in hundreds of chat messages.
TABLE_ROWS = 50
SCORECARDS = 10


async def index(update: Update, context: Ctx) -> None:
    """`/index [period]`: the city table and the leading communities' scorecards, privately;
    `/index post [period]`: each community's own scorecard in its group (sent by the outbox
    in the background, bot/telegram/index_outbox.py)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    lang = lang_of(update, context)
    post, period = parse_index(command_args(update))
    if post:
        result, owed = await owe_index_posts(core, caller, period, turn_of(update, context))
        key = "index_posted" if owed else "index_posted_none"
        await reply(update, context, say(key, lang, count=owed, period=result.period))
        return
    result = await index_for(core, caller, period)
    # In the city table's order (the ranked by rank, then the unranked), so that the capped
    # scorecards are the leading ranked communities', not an unranked one's with a high index.
    scored = [(place, c) for place, c in enumerate(table_order(result)) if c.index is not None]
    web = core.settings.web
    bot = context.bot

    async def send(chat_id: int) -> None:
        await send_text(bot, chat_id, index_table(result, lang, TABLE_ROWS), attempts=ATTEMPTS)
        leading = scored[:SCORECARDS]
        # matplotlib takes a few tenths of a second per image: off the event loop.
        pngs = await asyncio.to_thread(lambda: [scorecard_png(result, c) for _, c in leading])
        cards = [
            Photo(png, f"scorecard_{place + 1}.png", index_caption(result, community, lang))
            for png, (place, community) in zip(pngs, leading, strict=True)
        ]
        # Albums of up to ten, as /qr sends its cards: one request and one notification for
        # ten communities rather than ten; each photo keeps its caption naming its community.
        await send_album(bot, chat_id, cards, attempts=ATTEMPTS)
        if len(scored) > SCORECARDS:
            more = say("index_cards_more", lang, shown=SCORECARDS, total=len(scored))
            if web.listen and web.public_url:
                more += "\n" + say("index_cards_web", lang, url=f"{web.public_url}/index/")
            await send_text(bot, chat_id, more, attempts=ATTEMPTS)

    await send_privately(update, context, send)
