"""The Bot API methods that act on the world (everything but updates and webhooks)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from sandbox import payloads
from sandbox.formatting import render_text, utf16_len
from sandbox.models import Access, ChatState, PollState, StoredFile, UploadedFile
from sandbox.params import ApiError, Params, bad_request
from sandbox.world import World, image_size

Method = Callable[[World, Params], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_BUTTON_ERROR = "can't parse inline keyboard button: "
_TEXT_BUTTONS = f"{_BUTTON_ERROR}Text buttons are unallowed in the inline keyboard"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def get_me(world: World, p: Params) -> Any:
    """getMe: the bot's own `User` with its capability flags."""
    return payloads.bot_user_json(world.bot, sees_all_messages=True)


def _commands_key(p: Params) -> str:
    scope = p.json_("scope") or {"type": "default"}
    return json.dumps([scope, p.opt_str("language_code") or ""], sort_keys=True)


def set_my_commands(world: World, p: Params) -> Any:
    """setMyCommands: store the command list for a scope and language."""
    commands = p.json_("commands")
    if not isinstance(commands, list):
        raise bad_request("commands is empty")
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        valid_name = 1 <= len(name) <= 32 and all(
            c.islower() or c.isdigit() or c == "_" for c in name
        )
        if not valid_name:
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[_commands_key(p)] = [
        {"command": str(c["command"]), "description": str(c["description"])} for c in commands
    ]
    return True


def get_my_commands(world: World, p: Params) -> Any:
    """getMyCommands: the command list for a scope and language."""
    return world.commands.get(_commands_key(p), [])


def delete_my_commands(world: World, p: Params) -> Any:
    """deleteMyCommands: forget the command list for a scope and language."""
    world.commands.pop(_commands_key(p), None)
    return True


def _inline_keyboard(p: Params) -> dict[str, Any] | None:
    """The inline keyboard of `reply_markup`, validated as Telegram does; other markups: None."""
    markup = p.json_("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    clean_rows: list[list[dict[str, Any]]] = []
    for row in rows:
        clean_row: list[dict[str, Any]] = []
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request(_TEXT_BUTTONS)
            actions = [key for key in button if key != "text"]
            if not actions:
                raise bad_request(_TEXT_BUTTONS)
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            clean_row.append(dict(button))
        if clean_row:
            clean_rows.append(clean_row)
    return {"inline_keyboard": clean_rows} if clean_rows else None


def _reply_target(state: ChatState, p: Params) -> int | None:
    """The message to reply to, from `reply_parameters` or the older `reply_to_message_id`."""
    reply = p.json_("reply_parameters")
    allow_missing = p.bool_("allow_sending_without_reply")
    message_id: int | None = None
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        message_id = int(reply["message_id"])
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if reply.get("chat_id") not in (None, state.chat.id):
            raise bad_request("replying to messages in other chats is not emulated")
    elif p.has("reply_to_message_id"):
        message_id = p.int_("reply_to_message_id")
    if message_id is None:
        return None
    target = state.messages.get(message_id)
    if target is None or target.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return message_id


def _thread(state: ChatState, p: Params) -> int | None:
    """The forum topic a message is sent to (`message_thread_id`; ignored outside forums)."""
    if not p.has("message_thread_id") or not state.chat.is_forum:
        return None
    thread = p.int_("message_thread_id")
    root = state.messages.get(thread)
    if root is None or root.deleted or "forum_topic_created" not in root.payload:
        raise bad_request("message thread not found")
    return thread


def _text_content(p: Params, source: str, *, limit: int, too_long: str) -> dict[str, Any]:
    text, entities = render_text(source, p.opt_str("parse_mode"), p.json_("entities"))
    if utf16_len(text) > limit:
        raise bad_request(too_long)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def _post_new(world: World, state: ChatState, p: Params, content: dict[str, Any]) -> Any:
    """A new message from the bot with `content`, under the request's inline keyboard (if
    any), replying and in the topic the request names."""
    markup = _inline_keyboard(p)
    if markup is not None:
        content["reply_markup"] = markup
    return world.post_from_bot(
        state, content, reply_to=_reply_target(state, p), thread=_thread(state, p)
    )


def send_message(world: World, p: Params) -> Any:
    """sendMessage."""
    state = world.writable_chat(p.chat_id())
    source = p.str_("text", empty_message="message text is empty")
    content = _text_content(p, source, limit=MAX_TEXT, too_long="message is too long")
    if not content["text"].strip():
        raise bad_request("message text is empty")
    return _post_new(world, state, p, content)


def _bot_message(world: World, p: Params, *, action: str) -> tuple[ChatState, dict[str, Any]]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not emulated")
    state = _edited_chat(world, p)
    message_id = p.int_("message_id")
    stored = state.messages.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request(f"message to {action} not found")
    if not stored.from_bot:
        raise bad_request(f"message can't be {action}ed")
    return state, stored.payload


def edit_message_text(world: World, p: Params) -> Any:
    """editMessageText (omitting `reply_markup` removes the inline keyboard, as on Telegram)."""
    _, message = _bot_message(world, p, action="edit")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    source = p.str_("text", empty_message="message text is empty")
    content = _text_content(p, source, limit=MAX_TEXT, too_long="MESSAGE_TOO_LONG")
    markup = _inline_keyboard(p)
    same_text = content["text"] == message["text"] and content.get("entities") == message.get(
        "entities"
    )
    if same_text and markup == message.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    message["text"] = content["text"]
    message.pop("entities", None)
    if "entities" in content:
        message["entities"] = content["entities"]
    _set_markup(message, markup)
    message["edit_date"] = world.now()
    return dict(message)


def edit_message_reply_markup(world: World, p: Params) -> Any:
    """editMessageReplyMarkup (no `reply_markup` removes the keyboard)."""
    _, message = _bot_message(world, p, action="edit")
    markup = _inline_keyboard(p)
    if markup == message.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    _set_markup(message, markup)
    message["edit_date"] = world.now()
    return dict(message)


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _edited_chat(world: World, p: Params) -> ChatState:
    """The chat of a message the bot edits (or whose poll it stops).

    Telegram's access check lets an edit through in a basic group that was upgraded (only
    writing is refused there); what the server then answers is not known here, so the edit
    is refused as a write would be, with `migrate_to_chat_id`."""
    state = world.chat_for_bot(p.chat_id(), "edit")
    if state.migrated_to is not None:
        return world.chat_for_bot(p.chat_id(), "write")
    return state


def delete_message(world: World, p: Params) -> Any:
    """deleteMessage: the bot's own messages, or anyone's where it is an administrator."""
    state = world.chat_for_bot(p.chat_id(), "write")
    stored = state.messages.get(p.int_("message_id"))
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    if not stored.from_bot and state.bot_status not in ("administrator", "creator"):
        raise bad_request("message can't be deleted")
    stored.deleted = True
    return True


def send_poll(world: World, p: Params) -> Any:
    """sendPoll: a native poll; its id is what `vote_poll` takes."""
    state = world.writable_chat(p.chat_id())
    question = p.str_("question", empty_message="poll question must be non-empty")
    if utf16_len(question) > 300:
        raise bad_request("poll question length must not exceed 300")
    raw_options = p.json_("options")
    if not isinstance(raw_options, list):
        raise bad_request("poll options must be an array")
    options: list[str] = []
    for option in raw_options:
        text = option.get("text") if isinstance(option, dict) else option
        if not isinstance(text, str) or not text.strip():
            raise bad_request("poll options must be non-empty")
        if utf16_len(text) > 100:
            raise bad_request("poll option length must not exceed 100")
        options.append(text)
    if len(options) < 2:
        raise bad_request("poll must have at least 2 option")
    if len(options) > 12:
        raise bad_request("poll can't have more than 12 options")
    poll_type = p.opt_str("type") or "regular"
    if poll_type not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    poll = PollState(
        poll_id=str(5_000_000_000_000_000_000 + secrets.randbelow(10**18)),
        chat_id=state.chat.id,
        message_id=0,
        question=question,
        options=options,
        option_ids=[secrets.token_hex(4) for _ in options],
        is_anonymous=p.bool_("is_anonymous", default=True),
        allows_multiple_answers=p.bool_("allows_multiple_answers"),
        allows_revoting=p.bool_("allows_revoting", default=poll_type == "regular"),
        poll_type=poll_type,
        is_closed=p.bool_("is_closed"),
    )
    content: dict[str, Any] = {"poll": payloads.poll_json(poll)}
    message = _post_new(world, state, p, content)
    poll.message_id = int(message["message_id"])
    world.polls_by_id[poll.poll_id] = poll
    return message


def stop_poll(world: World, p: Params) -> Any:
    """stopPoll: close the poll; Telegram then also sends the bot a `poll` update. Refused in
    the order the Bot API server (its `check_message`) and TDLib (`stop_poll`) check: no such
    message, not a poll, a closed poll (anyone's), a poll the bot did not send."""
    state = _edited_chat(world, p)
    message_id = p.int_("message_id")
    stored = state.messages.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request("message with poll to stop not found")
    if "poll" not in stored.payload:
        raise bad_request("message is not a poll")
    poll = world.polls_by_id.get(str(stored.payload["poll"]["id"]))
    if poll.is_closed if poll is not None else bool(stored.payload["poll"].get("is_closed")):
        raise bad_request("poll has already been closed")
    if not stored.from_bot or poll is None:
        raise bad_request("poll can't be stopped")
    poll.is_closed = True
    world.refresh_poll(poll)
    markup = _inline_keyboard(p)
    _set_markup(stored.payload, markup)
    world.queue_update("poll", payloads.poll_json(poll))
    return payloads.poll_json(poll)


def _input_file(
    world: World, p: Params, name: str, *, kind: str
) -> tuple[StoredFile, UploadedFile | None]:
    value = p.raw.get(name)
    if value is None or value == "":
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        if kind == "photo" and not _looks_like_image(value.data):
            raise bad_request("IMAGE_PROCESS_FAILED")
        filename = value.filename
        if kind == "document" and p.opt_str("filename"):
            filename = str(p.opt_str("filename"))
        stored = world.store_file(
            value.data,
            file_name=filename if kind == "document" else None,
            mime_type=value.content_type if kind == "document" else "image/jpeg",
            kind=kind,
        )
        return stored, value
    text = str(value)
    if text.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    existing = world.files.get(text)
    if existing is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return existing, None


def _looks_like_image(data: bytes) -> bool:
    return data.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8")) or data[8:12] == b"WEBP"


def _caption(p: Params) -> dict[str, Any]:
    source = p.opt_str("caption")
    if not source:
        return {}
    content = _text_content(p, source, limit=MAX_CAPTION, too_long="message caption is too long")
    result: dict[str, Any] = {"caption": content["text"]}
    if "entities" in content:
        result["caption_entities"] = content["entities"]
    return result


def _check_photo_size(data: bytes) -> tuple[int, int]:
    """The photo's width and height, if Telegram takes them: width + height at most 10,000,
    width/height ratio at most 20."""
    width, height = image_size(data)
    if width + height > 10_000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def send_photo(world: World, p: Params) -> Any:
    """sendPhoto: an upload (multipart) or a known file_id."""
    state = world.writable_chat(p.chat_id())
    stored, _ = _input_file(world, p, "photo", kind="photo")
    width, height = _check_photo_size(stored.data)
    content: dict[str, Any] = {"photo": payloads.photo_sizes_json(stored, width, height)}
    content.update(_caption(p))
    return _post_new(world, state, p, content)


def send_document(world: World, p: Params) -> Any:
    """sendDocument: an upload (multipart, name and bytes kept) or a known file_id."""
    state = world.writable_chat(p.chat_id())
    stored, _ = _input_file(world, p, "document", kind="document")
    content: dict[str, Any] = {"document": payloads.document_json(stored)}
    content.update(_caption(p))
    return _post_new(world, state, p, content)


MAX_ALBUM = 10
_ALBUM_KINDS = ("photo", "document")
_INPUT_MEDIA = "can't parse InputMedia: "


def _album_item(p: Params, item: Any) -> tuple[str, Any, dict[str, Any]]:
    """One `InputMedia` of an album, read as the Bot API server's `get_input_media` reads it:
    its kind, its file (an upload named by `attach://`, or a file_id) and its caption."""
    if not isinstance(item, dict):
        raise bad_request(f"{_INPUT_MEDIA}expected an Object")
    if "type" not in item:
        raise bad_request(f'{_INPUT_MEDIA}Can\'t find field "type"')
    kind = str(item["type"])
    if kind == "animation":
        raise bad_request(f'{_INPUT_MEDIA}type "{kind}" can\'t be used in sendMediaGroup')
    if kind in ("video", "audio"):
        # Telegram takes these in albums; the emulator has no such media (yet).
        raise bad_request(f'InputMedia of type "{kind}" is not supported')
    if kind not in _ALBUM_KINDS:
        raise bad_request(f'{_INPUT_MEDIA}type "{kind}" is unsupported')
    media = item.get("media")
    source: Any = None
    if isinstance(media, str) and media.startswith("attach://"):
        source = p.raw.get(media.removeprefix("attach://"))
        if not isinstance(source, UploadedFile):
            source = None
    elif isinstance(media, str) and media.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    elif isinstance(media, str) and media:
        source = media  # a file_id, looked up once every item has been read
    if source is None:
        raise bad_request(f"{_INPUT_MEDIA}media not found")
    if isinstance(source, UploadedFile) and kind == "photo":
        if not _looks_like_image(source.data):
            raise bad_request("IMAGE_PROCESS_FAILED")
        _check_photo_size(source.data)
    caption: dict[str, Any] = {}
    text = item.get("caption")
    if text:
        rendered, entities = render_text(
            str(text), item.get("parse_mode"), item.get("caption_entities")
        )
        if utf16_len(rendered) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        caption["caption"] = rendered
        if entities:
            caption["caption_entities"] = entities
    return kind, source, caption


def send_media_group(world: World, p: Params) -> Any:
    """sendMediaGroup: 2–10 photos or documents as an album, each a message of its own sharing
    one media_group_id (one item: a plain message, as Telegram's server sends it). Every item
    is read and checked before anything is stored: a refused album sends nothing. Each message
    counts towards the flood limits (sandbox/flood.py, `weight`)."""
    if p.raw.get("media") is None or p.raw.get("media") == "":
        raise bad_request('parameter "media" is required')
    raw = p.raw["media"]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise bad_request("can't parse media JSON object") from exc
    if not isinstance(raw, list):
        raise bad_request("expected an Array of InputMedia")
    items = [_album_item(p, item) for item in raw]
    if not items:
        raise bad_request("there are no messages to send")
    if len(items) > MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    kinds = {kind for kind, _, _ in items}
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    known: list[StoredFile | None] = []
    for _, source, _ in items:
        if isinstance(source, UploadedFile):
            known.append(None)
            continue
        existing = world.files.get(str(source))
        if existing is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        known.append(existing)
    state = world.writable_chat(p.chat_id())
    reply_to = _reply_target(state, p)
    thread = _thread(state, p)
    group_id = str(world.next_media_group_id()) if len(items) > 1 else None
    sent: list[dict[str, Any]] = []
    for (kind, source, caption), existing in zip(items, known, strict=True):
        stored = existing
        if stored is None:
            assert isinstance(source, UploadedFile)
            stored = world.store_file(
                source.data,
                file_name=source.filename if kind == "document" else None,
                mime_type=source.content_type if kind == "document" else "image/jpeg",
                kind=kind,
            )
        if kind == "document":
            content: dict[str, Any] = {"document": payloads.document_json(stored)}
        else:
            width, height = image_size(stored.data)
            content = {"photo": payloads.photo_sizes_json(stored, width, height)}
        if group_id is not None:
            content["media_group_id"] = group_id
        content.update(caption)
        sent.append(world.post_from_bot(state, content, reply_to=reply_to, thread=thread))
    return sent


def answer_callback_query(world: World, p: Params) -> Any:
    """answerCallbackQuery: once per press, as Telegram allows."""
    query_id = p.str_("callback_query_id", empty_message="QUERY_ID_INVALID")
    record = world.callback_queries.get(query_id)
    if record is None or record["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.opt_str("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record["answered"] = True
    record["answer"] = {
        "text": text or None,
        "show_alert": p.bool_("show_alert"),
        "url": p.opt_str("url"),
        "cache_time": p.opt_int("cache_time") or 0,
    }
    return True


def get_chat(world: World, p: Params) -> Any:
    """getChat: a `ChatFullInfo` (of the basic group itself, also after its upgrade)."""
    state = world.chat_for_bot(p.chat_id(), "read")
    user = world.users.get(state.chat.id) if state.chat.type == "private" else None
    return payloads.chat_full_info_json(state, user)


def get_chat_member(world: World, p: Params) -> Any:
    """getChatMember: about the bot itself a read, about anyone else a member query."""
    user_id = p.int_("user_id")
    access: Access = "read" if user_id == world.bot.id else "read_members"
    state = world.chat_for_bot(p.chat_id(), access)
    return world.member_json(state, user_id)


def get_chat_administrators(world: World, p: Params) -> Any:
    """getChatAdministrators: the creator, the administrators and the bot if it is one."""
    state = world.chat_for_bot(p.chat_id(), "read_members")
    if state.chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        world.member_json(state, user_id)
        for user_id, status in state.members.items()
        if status in ("creator", "administrator")
    ]
    if state.bot_status == "administrator":
        admins.append(world.member_json(state, world.bot.id))
    return admins


def get_chat_member_count(world: World, p: Params) -> Any:
    """getChatMemberCount: members plus the bot."""
    state = world.chat_for_bot(p.chat_id(), "read_members")
    if state.chat.type == "private":
        return 2
    present = [s for s in state.members.values() if s not in ("left", "kicked")]
    return len(present) + (1 if state.bot_is_member else 0)


def send_chat_action(world: World, p: Params) -> Any:
    """sendChatAction: accepted wherever the bot may write."""
    world.writable_chat(p.chat_id())
    p.str_("action", empty_message="action is empty")
    return True


def leave_chat(world: World, p: Params) -> Any:
    """leaveChat: the bot leaves a group (it gets a `my_chat_member` update)."""
    state = world.chat_for_bot(p.chat_id(), "read")
    if state.chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    world.bot_leaves(state)
    return True


def get_file(world: World, p: Params) -> Any:
    """getFile: a `File` whose `file_path` the file endpoint serves."""
    stored = world.files.get(p.str_("file_id", empty_message="file_id is empty"))
    if stored is None:
        raise bad_request("invalid file_id")
    return payloads.file_json(stored)


def harmless(world: World, p: Params) -> Any:
    """logOut, close and cosmetic settings (descriptions, menu button): accepted and ignored."""
    return True


def pin_chat_message(world: World, p: Params) -> Any:
    """pinChatMessage / unpinChatMessage: the message must exist; nothing else is emulated."""
    state = world.writable_chat(p.chat_id())
    message_id = p.opt_int("message_id")
    if message_id is not None and message_id not in state.messages:
        raise bad_request("message to pin not found")
    return True


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "logOut": harmless,
    "close": harmless,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendPoll": send_poll,
    "stopPoll": stop_poll,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendMediaGroup": send_media_group,
    "answerCallbackQuery": answer_callback_query,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "sendChatAction": send_chat_action,
    "leaveChat": leave_chat,
    "getFile": get_file,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": pin_chat_message,
    "setMyDescription": harmless,
    "setMyShortDescription": harmless,
    "setMyName": harmless,
    "setChatMenuButton": harmless,
}

__all__ = ["METHODS", "ApiError", "Method"]
