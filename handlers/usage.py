"""The one reply every malformed command gets: the reason and the usage line."""

from __future__ import annotations

from telegram import Update

from bot.parsing import PRIVATE_PREFIX, USAGE, UsageError
from bot.texts import say
from handlers.common import in_group, lang_of, reply
from handlers.context import Ctx


def usage_line(command: str, lang: str, private: bool) -> str:
    """`/ask [duration] <question>`, with the community argument in private chat."""
    zh, en = USAGE[command]
    line = zh if lang == "zh" else en
    if private and command in ("ask", "poll", "rate", "schedule"):
        prefix = PRIVATE_PREFIX[0] if lang == "zh" else PRIVATE_PREFIX[1]
        head, _, rest = line.partition(" ")
        if command == "poll":
            # Flags come first: /poll [--multi] [--anonymous] <community> …
            flags, _, tail = rest.partition("] [--anonymous] ")
            line = f"{head} {flags}] [--anonymous] {prefix}{tail}"
        else:
            line = f"{head} {prefix}{rest}"
    return line


async def usage_reply(update: Update, context: Ctx, error: UsageError) -> None:
    """Tell the organiser what was wrong and how the command is written."""
    lang = lang_of(update, context)
    reason = error.reason_zh if lang == "zh" else error.reason_en
    line = usage_line(error.command, lang, private=not in_group(update))
    await reply(update, context, f"⚠️ {reason}\n" + say("usage", lang, usage=line))
