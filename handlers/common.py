"""What every handler needs: the core and the update's turn, the resident's language,
authorisation, replies.

A handler reads the update, calls one use case of the core with plain values (and the update's
`Turn`, so the use case's transaction claims the update), and replies with `reply`: replies
wait on the turn until the intake has committed it (bot/telegram/intake.py), then go out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    TelegramError,
)

from bot.core import privacy
from bot.core.base import Core, OwedReply, Turn
from bot.core.chats import set_chat_migrated
from bot.core.communities import community_of_chat, set_chat_active
from bot.core.roles import Caller, caller_of, is_organiser
from bot.render.texts import Lang, pick_lang, say
from bot.telegram.context import Ctx
from bot.telegram.keyboards import has_button
from bot.telegram.sending import Moved, send_text, with_retry
from nlp.normalise import storable

log = logging.getLogger(__name__)

Handler = Callable[[Update, Ctx], Coroutine[Any, Any, None]]

SEND_ATTEMPTS = 5


def core_of(context: Ctx) -> Core:
    """The consultation core of this application."""
    return context.bot_data.require_core()


def turn_of(update: Update, context: Ctx) -> Turn | None:
    """The turn the intake opened for this update (None outside the intake, e.g. in tests
    that call a handler directly: then every transaction commits on its own)."""
    return context.bot_data.turns.get(update.update_id)


def lang_of(update: Update, context: Ctx) -> Lang:
    """The language to answer this update's sender in."""
    user = update.effective_user
    default = core_of(context).settings.locale.default
    return pick_lang(user.language_code if user else None, default)


def in_group(update: Update) -> bool:
    """Whether the update comes from a group or supergroup."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def is_anonymous_admin(update: Update) -> bool:
    """Whether the message comes from an administrator of its group who "remains anonymous":
    Telegram shows it as from GroupAnonymousBot, with the group itself as `sender_chat`. Only
    administrators can; who they are, Telegram does not say (nor can a private chat reach them)."""
    message, chat = update.effective_message, update.effective_chat
    return (
        message is not None
        and chat is not None
        and message.sender_chat is not None
        and message.sender_chat.id == chat.id
        and in_group(update)
    )


async def _is_group_admin(update: Update, context: Ctx) -> bool:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or not in_group(update):
        return False
    now = time.monotonic()
    cached = context.bot_data.admin_cache.get(chat.id, user.id, now)
    if cached is not None:
        return cached
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except (BadRequest, Forbidden, NetworkError) as exc:
        log.info("getChatMember failed for chat %s: %s", chat.id, type(exc).__name__)
        return False
    admin = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
    context.bot_data.admin_cache.put(chat.id, user.id, admin, now)
    return admin


# Who is in a group for Telegram (a restricted member is too, if `is_member` says so).
_PRESENT = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)


async def is_group_member(
    context: Ctx, chat_id: int, user_id: int, *, moved: Moved | None = None
) -> bool:
    """Whether `user_id` is in group `chat_id` now (getChatMember; a yes is cached briefly);
    False when Telegram cannot tell (fail closed: only members may answer for a community).
    A group upgraded to a supergroup is asked under its new id, and the move told to
    `moved`."""
    now = time.monotonic()
    cache = context.bot_data.member_cache
    cached = cache.get(chat_id, user_id, now)
    if cached is not None:
        return cached
    try:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except ChatMigrated as exc:
            if moved is not None:
                await moved(chat_id, exc.new_chat_id)
            member = await context.bot.get_chat_member(exc.new_chat_id, user_id)
    except (BadRequest, Forbidden, NetworkError, ChatMigrated) as exc:
        log.info("getChatMember failed for chat %s: %s", chat_id, type(exc).__name__)
        return False
    present = member.status in _PRESENT or (
        member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))
    )
    if present:
        # Only a yes is remembered: someone refused who then joins must not wait for a no to
        # expire (a stranger's refused link costs one look-up each; it sends nothing).
        cache.put(chat_id, user_id, present, now)
    return present


async def authorise(
    update: Update, context: Ctx, *, organisers_only: bool = False
) -> Caller | None:
    """The caller of an organiser command and what they may reach (bot/core/roles.py); for anyone
    else a short refusal and None. A group admin counts only in a group registered as a
    community, and never for `organisers_only` commands."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    core = core_of(context)
    settings = core.settings
    turn = turn_of(update, context)
    community = await community_of_chat(core, chat.id, turn=turn) if in_group(update) else None
    anonymous = is_anonymous_admin(update)
    if anonymous and not (
        settings.roles.group_admins_are_organisers and not organisers_only and community is not None
    ):
        # Not one of the configured organisers for all the bot can tell: say why.
        lang = lang_of(update, context)
        await reply(update, context, say("anonymous_not_organiser", lang), refusal=True)
        return None
    admin = anonymous
    if (
        not anonymous
        and settings.roles.group_admins_are_organisers
        and not organisers_only
        and community is not None
        and not is_organiser(settings, user.id)
    ):
        admin = await _is_group_admin(update, context)
    caller = caller_of(
        settings,
        user.id,
        community,
        group_admin=admin,
        organisers_only=organisers_only,
        in_group=in_group(update),
    )
    if caller is None:
        # Group admins act only in their community's group (authority is per community): one
        # who writes privately, or in a group that is no community, is told where their
        # commands work. In a community's group the refused are its residents (its admins
        # are not refused there), whom "send it in that community's group" would only puzzle.
        admins = settings.roles.group_admins_are_organisers and not organisers_only
        key = "not_organiser_here" if admins and community is None else "not_organiser"
        await reply(update, context, say(key, lang_of(update, context)), refusal=True)
    return caller


async def caller_if_any(update: Update, context: Ctx) -> Caller | None:
    """Who the sender is as `authorise` would find (a configured organiser, or with the option
    on an admin of this community's group), without refusing anyone: for what /help shows."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    core = core_of(context)
    settings = core.settings
    anonymous = is_anonymous_admin(update)
    if is_organiser(settings, user.id) and not anonymous:
        return caller_of(settings, user.id, None, in_group=in_group(update))
    if not (in_group(update) and settings.roles.group_admins_are_organisers):
        return None
    community = await community_of_chat(core, chat.id, turn=turn_of(update, context))
    if community is None:
        return None
    admin = anonymous or await _is_group_admin(update, context)
    return caller_of(settings, user.id, community, group_admin=admin, in_group=True)


async def send_privately(
    update: Update, context: Ctx, send: Callable[[int], Awaitable[object]]
) -> None:
    """Send an organiser's files, digest or index with `send(chat_id)` to the caller's private
    chat, once the update has committed, on that chat's reply line (bot/telegram/replies.py):
    several documents or images take Telegram a while, and must hold up nobody else.

    From a group: acknowledge there once sent, or, if the caller never started the bot
    (Telegram answers 403), tell them in the group to open a private chat with the bot first
    (a refusal, capped per group and minute)."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    if user is None or chat is None:
        return
    lang = lang_of(update, context)
    bot = context.bot
    core = core_of(context)
    group = in_group(update)
    reply_to = message.message_id if message is not None else None

    async def in_the_group(key: str) -> None:
        await send_text(
            bot,
            chat.id,
            say(key, lang, bot=bot.username),
            attempts=SEND_ATTEMPTS,
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )

    if group and is_anonymous_admin(update):
        # The anonymous administrator's messages come from GroupAnonymousBot: no private chat.
        await reply(update, context, say("anonymous_private", lang), refusal=True)
        return

    async def deliver() -> None:
        try:
            await send(user.id)
        except Forbidden:
            log.info("cannot send privately to %s: forbidden", chat_label(core, user.id))
            if group:
                # A refusal, on the group's own line: repeated, it is capped there as any
                # other (bot/telegram/replies.py), never a flood in the group.
                context.bot_data.replies.put(
                    OwedReply(chat.id, lambda: in_the_group("private_first"), refusal=True)
                )
            return
        except TelegramError:
            raise  # the reply line logs it
        except Exception as exc:
            # Made after the commit (an export read, a digest gathered): a database failure
            # here has no update left to retry, so the caller is told to ask again.
            log.warning("a private delivery could not be made: %s", privacy.failure(exc))
            await in_the_group("build_failed")
            return
        if group:
            await in_the_group("sent_privately")

    turn = turn_of(update, context)
    if turn is None:
        await deliver()
    else:
        turn.replies.append(OwedReply(user.id, deliver))


async def reply(
    update: Update,
    context: Ctx,
    text: str | Callable[[], Awaitable[str]],
    *,
    refusal: bool = False,
    **kwargs: object,
) -> None:
    """Answer in the chat the update came from (replying to its message in groups); a
    `refusal` (too long, too fast, not yours, ...), or the answer to what anyone may ask again
    and again (/help), may be dropped when the chat had many.
    `text` may be made only when it is sent (see `reply_in_chat`)."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return
    await reply_in_chat(
        context.bot,
        core_of(context),
        turn_of(update, context),
        chat.id,
        text,
        reply_to=message.message_id if message is not None else None,
        group=in_group(update),
        refusal=refusal,
        **kwargs,
    )


async def reply_in_chat(
    bot: Bot,
    core: Core,
    turn: Turn | None,
    chat_id: int,
    text: str | Callable[[], Awaitable[str]],
    *,
    reply_to: int | None,
    group: bool,
    refusal: bool = False,
    **kwargs: object,
) -> None:
    """Answer in a chat, in a group as a reply to message `reply_to`, once `turn` has
    committed; for `reply` and for answers that never became PTB objects
    (handlers/answers.py `record_plain_answers`).

    A `text` given as a coroutine function is made on the chat's reply line, after the commit:
    a report that takes seconds to build then holds up neither the intake (which takes the
    next updates once this one has committed) nor any other chat."""
    if group and reply_to is not None:
        kwargs.setdefault("reply_to_message_id", reply_to)
        kwargs.setdefault("allow_sending_without_reply", True)

    async def send() -> None:
        body = text if isinstance(text, str) else await text()
        try:
            await send_text(
                bot,
                chat_id,
                body,
                attempts=SEND_ATTEMPTS,
                moved=partial(set_chat_migrated, core),
                **kwargs,
            )
        except Forbidden:
            # A resident who blocked the bot: a private chat's id is their Telegram id, so the
            # log names the chat by its pseudonym only (SPEC §9).
            log.info("cannot reply in chat %s: forbidden", chat_label(core, chat_id))
            if group:
                # Removed from the group (the my_chat_member update may have been missed).
                await set_chat_active(core, chat_id, False)

    if turn is None:
        await send()
    else:
        turn.replies.append(OwedReply(chat_id, send, refusal))


def pressed_in_own_private_chat(query: CallbackQuery) -> bool:
    """Whether a button press is on a message in the presser's own private chat that carries
    the pressed button: a forged press on any other message (a group's post, another keyboard)
    must neither change nor edit anything."""
    message = query.message
    return (
        isinstance(message, Message)
        and message.chat.type == ChatType.PRIVATE
        and message.chat.id == query.from_user.id
        and has_button(message.reply_markup, query.data or "")
    )


async def answer_press(
    update: Update,
    context: Ctx,
    text: str | None = None,
    *,
    refusal: bool = False,
    alert: bool = False,
    edit: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Answer a button press (answerCallbackQuery: its button stops spinning) and then make
    `edit` to the pressed message, once the update has committed, on the presser's own reply line.

    Never before the commit: a press is processed again whenever its transaction rolls back
    (a crash, a dropped connection, another update of its run failing), and Telegram refuses
    a second answer to one query; answered early, the press then failed on every attempt and
    ended as a dead letter, its effect (a /forget, a label) never stored. An answer Telegram
    refuses (answered before a crash, or too old) and an edit that changes nothing are logged.
    A press whose every attempt failed is answered, without a text, when the intake sets it
    aside as a dead letter (bot/telegram/intake.py).

    A `refusal` (a press the bot does not act on) goes unanswered once its presser had a few
    this minute (bot/telegram/presses.py): a flood of them must not become a flood of calls.
    """
    query = update.callback_query
    if query is None:
        return
    if refusal:
        presser = core_of(context).resident(query.from_user.id)
        if not context.bot_data.refused_presses.allow(presser, query.id):
            return
    # The presser's own line (their private chat's), whatever chat the button is in: on a
    # group's line the answer would wait behind the group's replies (a flood wait of the
    # group's limit) and, with many presses at once, be dropped past the line's limit.
    chat_id = query.from_user.id

    async def send() -> None:
        try:
            await with_retry(
                lambda _: query.answer(text, show_alert=alert), chat_id, attempts=SEND_ATTEMPTS
            )
        except BadRequest as exc:
            log.info("answerCallbackQuery: %s", exc)
        if edit is None:
            return
        try:
            await with_retry(lambda _: edit(), chat_id, attempts=SEND_ATTEMPTS)
        except BadRequest as exc:
            log.info("editing a pressed message: %s", exc)

    turn = turn_of(update, context)
    if turn is None:
        await send()
    else:
        turn.replies.append(OwedReply(chat_id, send))


def chat_label(core: Core, chat_id: int) -> str:
    """How a log line names a chat (bot/core/privacy.py `chat_label`): never a raw user id."""
    return privacy.chat_label(chat_id, core.secret)


def command_args(update: Update) -> str:
    """The text after the command word (`/ask@bot 48h q` -> `48h q`), newlines kept, a lone
    surrogate (valid in Telegram's JSON, not in UTF-8) as U+FFFD, a NUL dropped: otherwise the
    question, option or name could not be stored (a NUL only on PostgreSQL) and the command
    became a dead letter, unanswered."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    parts = storable(text).split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""
