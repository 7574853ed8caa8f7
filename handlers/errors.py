"""The one place a core error becomes a reply (like httpx's one exception hierarchy that
callers map to responses in one place).

Handlers do not catch `MinyiError` themselves: bot/app.py registers every command handler
wrapped in `replying_to_errors`, so a refused or malformed request gets its short message in
the caller's language and, for malformed arguments, the command's usage line. The core changed
nothing (it raises before writing, or its transaction rolled back).
"""

from __future__ import annotations

import functools

from telegram import Update

from bot.core.errors import MinyiError, UsageError
from bot.render.errors import describe_error
from bot.render.help import usage_line
from bot.render.texts import Lang, say
from bot.telegram.context import Ctx
from handlers.common import Handler, in_group, lang_of, reply


def error_text(error: MinyiError, lang: Lang, *, private: bool) -> str:
    """What the caller is told about `error`."""
    reason = describe_error(error, lang)
    if not isinstance(error, UsageError):
        return reason
    line = usage_line(error.command, lang, private=private)
    return say("error_prefix", lang, message=reason) + "\n" + say("usage", lang, usage=line)


async def reply_error(update: Update, context: Ctx, error: MinyiError) -> None:
    """Tell the caller why nothing was done."""
    text = error_text(error, lang_of(update, context), private=not in_group(update))
    await reply(update, context, text)


def replying_to_errors(handler: Handler) -> Handler:
    """`handler`, with a `MinyiError` it raises answered by `reply_error`."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: Ctx) -> None:
        try:
            await handler(update, context)
        except MinyiError as error:
            await reply_error(update, context, error)

    return wrapped
