"""Organiser command /qr: each community's QR card of a round's web page, sent privately (in
albums of up to ten documents)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.core.errors import RefusedError
from bot.core.links import round_links
from bot.core.parsing import parse_id
from bot.render.qr import cards_for
from bot.render.texts import say
from bot.telegram.context import Ctx
from bot.telegram.sending import Document, send_album
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

    documents = [
        # Documents, not photos: Telegram recompresses photos, and a printed code needs the
        # PNG as drawn.
        Document(
            card.png,
            card.filename,
            say("qr_caption", lang, id=card.round_id, community=card.community, url=card.url),
        )
        for card in cards
    ]

    async def send(chat_id: int) -> None:
        # Albums of up to ten: a round in forty communities is four albums (four requests, four
        # notifications) rather than forty; each card keeps its caption, name and link.
        await send_album(context.bot, chat_id, documents)

    await send_privately(update, context, send)
