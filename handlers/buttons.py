"""Button presses no keyboard of the bot's explains: answered, and nothing else.

Callback data comes back as the client sent it (bot/telegram/keyboards.py). A press whose data
matches none of the patterns the rating, /forget and /label handlers take (a stale or forged
button, junk, no data at all) reaches this handler last: it changes nothing and posts nothing,
and only answers the press, so the presser's client does not keep a spinner on the button.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.render.texts import say
from bot.telegram.context import Ctx
from handlers.common import answer_press, lang_of

log = logging.getLogger(__name__)


async def dead_button(update: Update, context: Ctx) -> None:
    """A press no other handler took: tell the presser the button is no longer valid."""
    if update.callback_query is None:
        return
    log.info("a button press matching no keyboard answered and ignored")
    await answer_press(update, context, say("button_gone", lang_of(update, context)), refusal=True)
