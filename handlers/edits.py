"""A command edited after it was sent: never run again, and the sender is told so.

The command was handled when it came (an /ask opened its round); running the edited text too
would open a second round, and doing nothing without a word left an organiser who corrected a
typo in their /ask waiting for a round that never came.
"""

from __future__ import annotations

from telegram import Update

from bot.render.texts import say
from bot.telegram.context import Ctx
from handlers.common import lang_of, reply


async def edited_command(update: Update, context: Ctx) -> None:
    """Tell the sender that an edited command is not run: send it again as a new message."""
    # A refusal: a flood of edits must not become a flood of replies in the group.
    await reply(update, context, say("edited_command", lang_of(update, context)), refusal=True)
