"""/community, and the group's lifecycle: bot added or removed, group migrated."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.core.chats import set_chat_migrated
from bot.core.communities import register_community, set_chat_active
from bot.core.parsing import parse_community_name
from bot.render.texts import say
from bot.telegram.context import Ctx
from handlers.common import authorise, command_args, core_of, in_group, lang_of, reply, turn_of


async def community(update: Update, context: Ctx) -> None:
    """Register this group as a community, or rename it (configured organisers only)."""
    if await authorise(update, context, organisers_only=True) is None:
        return
    lang = lang_of(update, context)
    chat = update.effective_chat
    if chat is None or not in_group(update):
        await reply(update, context, say("group_only", lang))
        return
    name = parse_community_name(command_args(update))
    registered, created = await register_community(
        core_of(context), chat.id, name, turn=turn_of(update, context)
    )
    key = "community_registered" if created else "community_renamed"
    await reply(update, context, say(key, lang, name=registered.name))


async def membership(update: Update, context: Ctx) -> None:
    """The bot was removed from a group (community inactive) or added back (active again)."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    gone = status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    await set_chat_active(core_of(context), change.chat.id, not gone, turn=turn_of(update, context))


async def migration(update: Update, context: Ctx) -> None:
    """A group became a supergroup: its community and rounds, and the digest of a staff chat,
    follow it to the new chat id."""
    message = update.effective_message
    if message is None:
        return
    turn = turn_of(update, context)
    if message.migrate_to_chat_id is not None:
        await set_chat_migrated(
            core_of(context), message.chat.id, message.migrate_to_chat_id, turn=turn
        )
    elif message.migrate_from_chat_id is not None:
        await set_chat_migrated(
            core_of(context), message.migrate_from_chat_id, message.chat.id, turn=turn
        )
