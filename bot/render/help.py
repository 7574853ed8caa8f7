"""What /help and /start say, by who asks: a resident the resident commands; an organiser
every organiser command with its syntax (SPEC §3) and what it does; a group admin
(`roles.group_admins_are_organisers`) the commands that work for them, in their own group.

A resident shown organiser commands could only be refused for them (and an organiser shown only
their names had to guess at the arguments)."""

from __future__ import annotations

from typing import Literal

from bot.render.texts import Lang, say

Role = Literal["resident", "organiser", "group_admin"]

#: The organiser commands in the order /help lists them: opening rounds, running them, reading
#: what came of them, then moderation and the rest.
ORGANISER_ORDER = (
    "community",
    "ask",
    "poll",
    "rate",
    "priorities",
    "schedule",
    "rounds",
    "close",
    "cancel",
    "report",
    "export",
    "hide",
    "themes",
    "digest",
    "index",
    "label",
    "qr",
)

#: Commands a group admin may not run even in their own group (bot/core/roles.py): registering
#: a community and labelling answers are configured organisers' work; the digest and the index
#: compare every community.
NOT_FOR_GROUP_ADMINS = frozenset({"community", "label", "digest", "index"})


def usage_line(command: str, lang: Lang, private: bool) -> str:
    """`/ask [duration] <question>`; in private chat with the community argument in its place."""
    community = say("usage_private_community", lang) if private else ""
    return say(f"usage_{command}", lang, community=community, example="all " if private else "")


def _command_line(command: str, lang: Lang, private: bool) -> str:
    """One command of the organiser part: its syntax, then what it does."""
    syntax = "/label" if command == "label" else usage_line(command, lang, private)
    return say("help_command_line", lang, syntax=syntax, effect=say(f"help_{command}", lang))


def help_text(lang: Lang, role: Role, *, private: bool, admins_are_organisers: bool) -> str:
    """The /help reply for `role`, sent in private chat or in a group (`private`);
    `admins_are_organisers`: the deployment lets group admins run organiser commands."""
    parts = [say("help_residents", lang)]
    commands: tuple[str, ...]
    if role == "organiser":
        commands = ORGANISER_ORDER
        parts.append(say("help_organisers_private" if private else "help_organisers", lang))
    elif role == "group_admin":
        commands = tuple(c for c in ORGANISER_ORDER if c not in NOT_FOR_GROUP_ADMINS)
        parts.append(say("help_group_admins", lang))
    else:
        if private and admins_are_organisers:
            parts.append(say("help_admins_ask_in_group", lang))
        return "\n\n".join(parts)
    parts[-1] += "\n" + "\n".join(_command_line(c, lang, private) for c in commands)
    return "\n\n".join(parts)
