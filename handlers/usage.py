"""The one reply every malformed command gets: the reason and the usage line."""

from __future__ import annotations

from telegram import Update

from bot.core.parsing import UsageError
from bot.render.texts import Lang, say
from handlers.common import in_group, lang_of, reply
from handlers.context import Ctx


def usage_line(command: str, lang: Lang, private: bool) -> str:
    """`/ask [duration] <question>`; in private chat with the community argument in its place."""
    community = say("usage_private_community", lang) if private else ""
    return say(f"usage_{command}", lang, community=community, example="all " if private else "")


async def usage_reply(update: Update, context: Ctx, error: UsageError) -> None:
    """Tell the organiser what was wrong and how the command is written."""
    lang = lang_of(update, context)
    reason = say("error_prefix", lang, message=error.reason(lang))
    line = usage_line(error.command, lang, private=not in_group(update))
    await reply(update, context, reason + "\n" + say("usage", lang, usage=line))
