"""JSON builders for Bot API objects, with every field Bot API 9.6 (and PTB 22.8) requires."""

from __future__ import annotations

from typing import Any

from sandbox.models import ChatState, MemberStatus, PollState, SimChat, SimUser, StoredFile

JSON = dict[str, Any]


def user_json(user: SimUser, *, is_bot: bool = False) -> JSON:
    """A `User` object."""
    data: JSON = {"id": user.id, "is_bot": is_bot, "first_name": user.first_name}
    if user.username is not None:
        data["username"] = user.username
    if user.language_code is not None and not is_bot:
        data["language_code"] = user.language_code
    return data


def bot_user_json(bot: SimUser, *, sees_all_messages: bool) -> JSON:
    """The `User` that getMe returns: the bot with its capability flags."""
    data = user_json(bot, is_bot=True)
    data.update(
        {
            "can_join_groups": True,
            "can_read_all_group_messages": sees_all_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }
    )
    return data


def chat_json(chat: SimChat, user: SimUser | None = None) -> JSON:
    """A `Chat` object; a private chat carries its user's names."""
    data: JSON = {"id": chat.id, "type": chat.type}
    if chat.type == "private" and user is not None:
        data["first_name"] = user.first_name
        if user.username is not None:
            data["username"] = user.username
    elif chat.title is not None:
        data["title"] = chat.title
    if chat.is_forum:
        data["is_forum"] = True
    return data


def chat_full_info_json(state: ChatState, user: SimUser | None = None) -> JSON:
    """A `ChatFullInfo` object, as getChat returns it."""
    data = chat_json(state.chat, user)
    data.update(
        {
            "accent_color_id": abs(state.chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    if state.chat.type != "private":
        data["permissions"] = default_permissions_json()
        data["has_visible_history"] = True
    return data


def default_permissions_json() -> JSON:
    """`ChatPermissions` of an ordinary group where members may do everything."""
    names = (
        "can_send_messages",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
    )
    return dict.fromkeys(names, True)


def chat_member_json(user_data: JSON, status: MemberStatus) -> JSON:
    """A `ChatMember` object of the given status with the fields that status requires."""
    data: JSON = {"status": status, "user": user_data}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
                "can_manage_topics": False,
            }
        )
    elif status == "kicked":
        data["until_date"] = 0
    elif status == "restricted":
        data.update(default_permissions_json())
        data.update(
            {
                "is_member": True,
                "until_date": 0,
                "can_edit_tag": False,
                "can_react_to_messages": True,
            }
        )
    return data


def chat_member_updated_json(
    chat: JSON,
    by: JSON,
    date: int,
    old: JSON,
    new: JSON,
) -> JSON:
    """A `ChatMemberUpdated` object."""
    return {
        "chat": chat,
        "from": by,
        "date": date,
        "old_chat_member": old,
        "new_chat_member": new,
    }


def photo_sizes_json(stored: StoredFile, width: int, height: int) -> list[JSON]:
    """The `PhotoSize` list of a photo (the emulator keeps one size: the original)."""
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }
    ]


def document_json(stored: StoredFile) -> JSON:
    """A `Document` object."""
    data: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name is not None:
        data["file_name"] = stored.file_name
    if stored.mime_type is not None:
        data["mime_type"] = stored.mime_type
    return data


def sticker_json(stored: StoredFile) -> JSON:
    """A `Sticker` object (a static regular sticker)."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "emoji": "👍",
        "set_name": "MinyiSandbox",
    }


def file_json(stored: StoredFile) -> JSON:
    """A `File` object, as getFile returns it."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def poll_json(poll: PollState) -> JSON:
    """A `Poll` object with the current counts."""
    return {
        **poll.counted_json(),
        "type": poll.poll_type,
        "allows_revoting": poll.allows_revoting,
        "members_only": False,
    }


def poll_answer_json(poll: PollState, user: JSON, option_ids: tuple[int, ...]) -> JSON:
    """A `PollAnswer` object (an empty option list is a retracted vote)."""
    return {
        "poll_id": poll.poll_id,
        "user": user,
        "option_ids": list(option_ids),
        "option_persistent_ids": [poll.option_ids[i] for i in option_ids],
    }


def callback_query_json(
    query_id: str, user: SimUser, message: JSON, chat_instance: str, data: str
) -> JSON:
    """A `CallbackQuery` object for a button under a message."""
    return {
        "id": query_id,
        "from": user_json(user),
        "message": message,
        "chat_instance": chat_instance,
        "data": data,
    }


def webhook_info_json(
    url: str,
    pending: int,
    *,
    max_connections: int,
    allowed_updates: list[str] | None,
    last_error_date: int | None,
    last_error_message: str | None,
) -> JSON:
    """A `WebhookInfo` object."""
    data: JSON = {"url": url, "has_custom_certificate": False, "pending_update_count": pending}
    if url:
        data["max_connections"] = max_connections
        data["ip_address"] = "127.0.0.1"
        if allowed_updates is not None:
            data["allowed_updates"] = allowed_updates
    if last_error_date is not None:
        data["last_error_date"] = last_error_date
        data["last_error_message"] = last_error_message or ""
    return data
