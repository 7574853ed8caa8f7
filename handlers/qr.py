"""Organiser command /qr: each community's QR card of a round's web page, sent privately."""

from __future__ import annotations

import asyncio
import io

from telegram import Update

from bot.core.errors import RefusedError
from bot.core.links import round_links
from bot.core.parsing import parse_id
from bot.render.qr import cards_for
from bot.render.texts import say
from bot.telegram.context import Ctx
from handlers.common import authorise, command_args, core_of, lang_of, send_privately


async def qr(update: Update, context: Ctx) -> None:
    """`/qr [<round_id>]`: per community of the round (in a group: that group's), the card PNG
    and its link as text, to the caller's private chat (to forward or print)."""
    caller = await authorise(update, context)
    if caller is None:
        return
    core = core_of(context)
    round_id = parse_id("qr", command_args(update), optional=True)
    linked = await round_links(core, caller, round_id)
    link = context.bot_data.page_link
    if link is None:  # the pages are configured but this application was built without them
        raise RefusedError("qr_web_off")
    # Drawing a card takes tens of milliseconds of Pillow: off the event loop.
    cards = await asyncio.to_thread(cards_for, linked, link)
    lang = lang_of(update, context)

    async def send(chat_id: int) -> None:
        for card in cards:
            caption = say(
                "qr_caption", lang, id=card.round_id, community=card.community, url=card.url
            )
            # A document, not a photo: Telegram recompresses photos, and a printed code needs
            # the PNG as drawn.
            await context.bot.send_document(
                chat_id, document=io.BytesIO(card.png), filename=card.filename, caption=caption
            )

    await send_privately(update, context, send)
