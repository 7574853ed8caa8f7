"""QR cards of a round's web pages (`minyi qr`, the demo): the core's choice of round and
communities (bot/core/links.py), this channel's addresses, the cards drawn by bot/render/qr.py."""

from __future__ import annotations

import functools

from bot.core.base import Core
from bot.core.links import linked_round
from bot.render.qr import QrCard, cards_for
from bot.web.server import WebOptions, page_url


async def round_cards(core: Core, options: WebOptions, round_id: int | None) -> list[QrCard]:
    """One card per community of a round (default: the newest open one, else the next
    scheduled one); a `MinyiError` if there is none, it is over, or the pages are not served."""
    linked = await linked_round(core, round_id, scope=None)
    return cards_for(linked, functools.partial(page_url, core, options))
