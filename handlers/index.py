"""Organiser commands for the governance index (SPEC §10): /index and /index post."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.core.organiser import index_for, index_groups
from bot.core.parsing import parse_index
from bot.render.index_report import scorecard_png
from bot.render.index_text import index_caption, index_post_caption, index_table
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.sending import send_photo, send_text
from handlers.common import authorise, command_args, core_of, lang_of, reply, send_privately

log = logging.getLogger(__name__)

#: Sends are retried this often (flood waits, network errors, a group moved to a supergroup).
ATTEMPTS = 3


async def index(update: Update, context: Ctx) -> None:
    """`/index [period]`: the city table and every community's scorecard, privately;
    `/index post [period]`: each community's own scorecard in its group."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    lang = lang_of(update, context)
    post, period = parse_index(command_args(update))
    result = await index_for(core, caller, period)
    bot = context.bot
    if post:
        posted = 0
        for community, place in await index_groups(core, result):
            mine = result.communities[place]
            # matplotlib takes a few tenths of a second per image: off the event loop.
            png = await asyncio.to_thread(scorecard_png, result, mine)
            caption = index_post_caption(result, mine, core.settings.locale.default)
            try:
                await send_photo(
                    bot,
                    community.chat_id,
                    png,
                    caption=caption,
                    filename=f"scorecard_{place + 1}.png",
                    attempts=ATTEMPTS,
                )
                posted += 1
            except TelegramError as exc:
                # One group that removed the bot must not stop the others' posts.
                log.warning("index post to community %s failed: %s", community.id, exc)
        await reply(update, context, say("index_posted", lang, count=posted, period=result.period))
        return

    async def send(chat_id: int) -> None:
        await send_text(bot, chat_id, index_table(result, lang), attempts=ATTEMPTS)
        for place, community in enumerate(result.communities):
            if community.index is None:
                continue
            png = await asyncio.to_thread(scorecard_png, result, community)
            await send_photo(
                bot,
                chat_id,
                png,
                caption=index_caption(result, community, lang),
                filename=f"scorecard_{place + 1}.png",
                attempts=ATTEMPTS,
            )

    await send_privately(update, context, send)
