"""Telegram's side of the world: people, chats, messages, polls and the bot's update queue.

The people API (`add_user`, `send_message`, `vote_poll`, `press_button`, …) is synchronous: it
changes the world and queues the updates Telegram would send the bot. The Bot API methods in
`sandbox.methods` change the same world on the bot's behalf.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import secrets
import struct
from collections.abc import Callable, Sequence
from typing import Any, Literal

from sandbox import payloads
from sandbox.formatting import detect_entities, entity_text
from sandbox.models import (
    Access,
    ChatState,
    MemberStatus,
    PollState,
    QueuedUpdate,
    SimChat,
    SimUser,
    StoredFile,
    StoredMessage,
)
from sandbox.params import bad_request, forbidden

# Telegram's default when `allowed_updates` was never set: everything but these.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# The service account Telegram shows as the sender of a supergroup's migrate_from message.
GROUP_ANONYMOUS_BOT = SimUser(id=1087968824, first_name="Group", username="GroupAnonymousBot")

# The user Telegram puts in `PollAnswer.user` when the voter is a chat (`voter_chat`), "for
# backward compatibility" (Bot API 6.8).
CHANNEL_BOT = SimUser(id=136817688, first_name="Channel", username="Channel_Bot")

# The service account that appears as the sender of posts a linked channel forwards into its
# discussion group automatically (`is_automatic_forward`).
TELEGRAM_SERVICE = SimUser(id=777000, first_name="Telegram")

# A 1x1 PNG: what a simulated resident's photo contains.
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
_TINY_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG; a plausible default for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + int(length)
    return 800, 600


class World:
    """The simulated Telegram: users, chats, messages, polls, files and pending updates."""

    def __init__(self, token: str, bot_username: str, clock: Callable[[], float]) -> None:
        self.token = token
        self.clock = clock
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot = SimUser(id=bot_id, first_name="Minyi", username=bot_username)
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.polls_by_id: dict[str, PollState] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.queue: list[QueuedUpdate] = []
        self.confirmed_offset = 0
        self.allowed_updates: frozenset[str] | None = None
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_002_000_000_001)
        self._update_ids = itertools.count(700_000_001)
        self._file_counter = itertools.count(1)
        # An album's media_group_id: the decimal text of a large positive number, new per album.
        self._media_groups = itertools.count(13_000_000_000_000_001)
        self._callback_counter = itertools.count(1)

    # ------------------------------------------------------------------ hooks
    def _wake(self) -> None:
        """Called whenever an update is queued (the emulator wakes long polls here)."""

    def now(self) -> int:
        """The current Unix time, as Telegram's `date` fields carry it."""
        return int(self.clock())

    # ------------------------------------------------------------------ people
    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None = "zh-hans",
        username: str | None = None,
    ) -> SimUser:
        """A new Telegram user who has not talked to the bot yet."""
        user = SimUser(
            id=next(self._user_ids),
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        self.users[user.id] = user
        return user

    def add_group(
        self,
        title: str,
        *,
        supergroup: bool = False,
        admins: Sequence[SimUser] = (),
        bot_sees_all: bool = True,
        forum: bool = False,
    ) -> SimChat:
        """A new group (the first admin is its creator); the bot is not in it yet.

        `bot_sees_all=False` emulates privacy mode: the bot then gets only commands, replies to
        its messages, mentions of it and service messages (unless it is an administrator).
        `forum=True`: a supergroup with topics (`create_topic`).
        """
        if forum and not supergroup:
            raise ValueError("only a supergroup can have topics")
        chat_id = -next(self._supergroup_ids if supergroup else self._group_ids)
        kind: Literal["group", "supergroup"] = "supergroup" if supergroup else "group"
        chat = SimChat(id=chat_id, type=kind, title=title, is_forum=forum)
        state = ChatState(chat=chat, bot_sees_all=bot_sees_all)
        for index, admin in enumerate(admins):
            state.members[admin.id] = "creator" if index == 0 else "administrator"
        self.chats[chat_id] = state
        return chat

    def private_chat(self, user: SimUser) -> SimChat:
        """The private chat between `user` and the bot (its id is the user's id)."""
        state = self.chats.get(user.id)
        if state is None:
            state = ChatState(chat=SimChat(id=user.id, type="private", title=None))
            self.chats[user.id] = state
        return state.chat

    def add_member(self, chat: SimChat, user: SimUser, *, as_admin: bool = False) -> None:
        """`user` joins a group: a `new_chat_members` service message."""
        state = self._state(chat.id)
        self._member_changes(state, user, "administrator" if as_admin else "member")
        self._post(state, user, {"new_chat_members": [payloads.user_json(user)]}, service=True)

    def remove_member(self, chat: SimChat, user: SimUser) -> None:
        """`user` leaves a group: a `left_chat_member` service message; getChatMember then
        answers "left" for them."""
        state = self._state(chat.id)
        self._member_changes(state, user, "left")
        self._post(state, user, {"left_chat_member": payloads.user_json(user)}, service=True)

    def _member_changes(self, state: ChatState, user: SimUser, status: MemberStatus) -> None:
        """`user`'s membership becomes `status`; an administrator bot gets `chat_member` (if
        its allowed_updates name it: only administrator bots are sent these at all)."""
        old = payloads.chat_member_json(
            payloads.user_json(user), state.members.get(user.id, "left")
        )
        state.members[user.id] = status
        if state.bot_status in ("administrator", "creator"):
            self.queue_update(
                "chat_member",
                payloads.chat_member_updated_json(
                    payloads.chat_json(state.chat),
                    payloads.user_json(user),
                    self.now(),
                    old,
                    payloads.chat_member_json(payloads.user_json(user), status),
                ),
            )

    def react(self, user: SimUser, chat: SimChat, message_id: int, emoji: str | None) -> None:
        """`user` sets a reaction on a message (None: takes theirs back). Telegram tells only
        an administrator bot (`message_reaction`), and only if its allowed_updates name it."""
        state = self._state(chat.id)
        stored = state.messages.get(message_id)
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        old = state.reactions.get((message_id, user.id))
        new = [{"type": "emoji", "emoji": emoji}] if emoji else []
        if emoji:
            state.reactions[(message_id, user.id)] = emoji
        else:
            state.reactions.pop((message_id, user.id), None)
        if state.chat.type == "private" or state.bot_status in ("administrator", "creator"):
            self.queue_update(
                "message_reaction",
                {
                    "chat": payloads.chat_json(state.chat),
                    "message_id": message_id,
                    "user": payloads.user_json(user),
                    "date": self.now(),
                    "old_reaction": [{"type": "emoji", "emoji": old}] if old else [],
                    "new_reaction": new,
                },
            )

    def block_bot(self, user: SimUser) -> None:
        """`user` blocks the bot: later sends to them get 403 "bot was blocked by the user"."""
        self._state(self.private_chat(user).id).blocked = True

    def add_bot_to_group(self, chat: SimChat, by: SimUser, *, as_admin: bool = False) -> None:
        """`by` adds the bot: a `my_chat_member` update and a `new_chat_members` message."""
        state = self._state(chat.id)
        state.members.setdefault(by.id, "member")
        old = self._bot_member_json(state)
        state.bot_status = "administrator" if as_admin else "member"
        state.bot_was_removed = False
        state.bot_has_been_in = True
        self._bot_member_changed(state, payloads.user_json(by), old)
        bot_json = payloads.user_json(self.bot, is_bot=True)
        self._post(state, by, {"new_chat_members": [bot_json]}, service=True)

    def promote_bot(self, chat: SimChat, by: SimUser) -> None:
        """`by` makes the bot an administrator of the group."""
        state = self._state(chat.id)
        old = self._bot_member_json(state)
        state.bot_status = "administrator"
        self._bot_member_changed(state, payloads.user_json(by), old)

    def remove_bot_from_group(self, chat: SimChat, by: SimUser) -> None:
        """`by` removes the bot; later sends to that chat get 403 "bot was kicked"."""
        state = self._state(chat.id)
        old = self._bot_member_json(state)
        # Telegram reports a bot removed from a basic group as "left", from a supergroup "kicked".
        state.bot_status = "kicked" if chat.type == "supergroup" else "left"
        state.bot_was_removed = True
        self._bot_member_changed(state, payloads.user_json(by), old)

    def migrate_to_supergroup(self, chat: SimChat, *, by: SimUser | None = None) -> SimChat:
        """Upgrade a basic group; the old id then answers 400 with `migrate_to_chat_id`.

        Members, the bot's membership and the message history (same message ids) move to the
        new supergroup; the bot gets `migrate_to_chat_id` in the old chat and
        `migrate_from_chat_id` in the new one.
        """
        old = self._state(chat.id)
        if chat.type != "group" or old.migrated_to is not None:
            raise ValueError(f"chat {chat.id} is not a basic group that can be migrated")
        new_chat = SimChat(id=-next(self._supergroup_ids), type="supergroup", title=chat.title)
        new = ChatState(
            chat=new_chat,
            members=dict(old.members),
            bot_status=old.bot_status,
            bot_sees_all=old.bot_sees_all,
            bot_has_been_in=old.bot_has_been_in,
            next_message_id=old.next_message_id,
            messages=copy.deepcopy(old.messages),
        )
        new_chat_json = payloads.chat_json(new_chat)
        for stored in new.messages.values():
            stored.payload["chat"] = new_chat_json
        self.chats[new_chat.id] = new
        for poll in self.polls_by_id.values():
            if poll.chat_id == chat.id:
                poll.chat_id = new_chat.id
        upgrader = by or self._any_admin(old)
        self._post(old, upgrader, {"migrate_to_chat_id": new_chat.id}, service=True)
        old.migrated_to = new_chat.id
        self._post(
            new,
            GROUP_ANONYMOUS_BOT,
            {"migrate_from_chat_id": chat.id, "sender_chat": new_chat_json},
            service=True,
        )
        return new_chat

    def create_topic(self, chat: SimChat, name: str, *, by: SimUser | None = None) -> int:
        """A topic opens in a forum supergroup; returns its `message_thread_id` (the id of its
        `forum_topic_created` service message, which every message in the topic that replies
        to nothing else carries as `reply_to_message`)."""
        state = self._state(chat.id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} has no topics")
        creator = by or self._any_admin(state)
        content = {"forum_topic_created": {"name": name, "icon_color": 7322096}}
        thread = state.next_message_id
        content_in_topic = {**content, "message_thread_id": thread, "is_topic_message": True}
        return self._post(state, creator, content_in_topic, service=True)

    def delete_topic(self, chat: SimChat, topic: int) -> None:
        """An admin deletes a forum topic with every message in it; sending to it then fails
        with 400 "message thread not found"."""
        state = self._state(chat.id)
        for stored in state.messages.values():
            if stored.payload.get("message_thread_id") == topic:
                stored.deleted = True

    def send_message(
        self,
        user: SimUser,
        chat: SimChat,
        text: str,
        *,
        reply_to: int | None = None,
        topic: int | None = None,
    ) -> int:
        """`user` writes `text` in `chat` (in forum topic `topic`, or in the topic of the message
        it replies to); returns the message id (commands get entities)."""
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._post(self._state(chat.id), user, content, reply_to=reply_to, thread=topic)

    def send_as_group(
        self, chat: SimChat, text: str, *, by: SimUser | None = None, reply_to: int | None = None
    ) -> int:
        """An administrator who "remains anonymous" writes `text`: Telegram shows the message as
        from GroupAnonymousBot, with the group itself as `sender_chat` (supergroups only)."""
        state = self._state(chat.id)
        if chat.type != "supergroup":
            raise ValueError("only supergroups have anonymous administrators")
        admin = by or self._any_admin(state)
        if state.members.get(admin.id) not in ("creator", "administrator"):
            raise ValueError(f"{admin.first_name} is no administrator of chat {chat.id}")
        content: dict[str, Any] = {"text": text, "sender_chat": payloads.chat_json(chat)}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._post(state, GROUP_ANONYMOUS_BOT, content, reply_to=reply_to)

    def forward_from_channel(self, chat: SimChat, channel_title: str, text: str) -> int:
        """A channel linked to the group posts `text`; Telegram copies it into the group as an
        automatic forward (from the Telegram service account, `sender_chat` the channel);
        only a supergroup can be a channel's discussion group."""
        if chat.type != "supergroup":
            raise ValueError("only a supergroup can be linked to a channel")
        channel = {"id": -next(self._supergroup_ids), "type": "channel", "title": channel_title}
        content: dict[str, Any] = {
            "text": text,
            "sender_chat": channel,
            "is_automatic_forward": True,
            "forward_origin": {
                "type": "channel",
                "date": self.now(),
                "chat": channel,
                "message_id": 1,
            },
        }
        return self._post(self._state(chat.id), TELEGRAM_SERVICE, content)

    def forward_text(
        self, user: SimUser, chat: SimChat, text: str, *, author: SimUser | None = None
    ) -> int:
        """`user` forwards into `chat` a text message `author` wrote elsewhere (`author` None:
        someone whose privacy settings hide their account, a `hidden_user` origin)."""
        origin: dict[str, Any] = {"type": "hidden_user", "date": self.now() - 3600}
        if author is None:
            origin["sender_user_name"] = "某位网友"
        else:
            origin.update({"type": "user", "sender_user": payloads.user_json(author)})
        content: dict[str, Any] = {"text": text, "forward_origin": origin}
        return self._post(self._state(chat.id), user, content)

    def edit_message(self, user: SimUser, chat: SimChat, message_id: int, text: str) -> None:
        """`user` edits their own message: an `edited_message` update."""
        state = self._state(chat.id)
        stored = state.messages.get(message_id)
        if stored is None or stored.deleted or stored.payload.get("from", {}).get("id") != user.id:
            raise ValueError(f"{user.first_name} has no message {message_id} in chat {chat.id}")
        stored.payload["text"] = text
        stored.payload.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            stored.payload["entities"] = entities
        stored.payload["edit_date"] = self.now()
        if self._bot_receives(state, stored.payload):
            self.queue_update("edited_message", copy.deepcopy(stored.payload))

    def send_sticker(self, user: SimUser, chat: SimChat, *, reply_to: int | None = None) -> int:
        """`user` sends a sticker."""
        stored = self.store_file(_TINY_WEBP, file_name=None, mime_type="image/webp", kind="sticker")
        content = {"sticker": payloads.sticker_json(stored)}
        return self._post(self._state(chat.id), user, content, reply_to=reply_to)

    def send_poll(self, user: SimUser, chat: SimChat, question: str, options: Sequence[str]) -> int:
        """`user` posts an anonymous poll of their own (the bot gets the message, never votes
        in it, and cannot stop it); returns the message id."""
        poll = PollState(
            poll_id=str(6_000_000_000_000_000_000 + secrets.randbelow(10**18)),
            chat_id=chat.id,
            message_id=0,
            question=question,
            options=list(options),
            option_ids=[secrets.token_hex(4) for _ in options],
            is_anonymous=True,
            allows_multiple_answers=False,
            allows_revoting=True,
            poll_type="regular",
        )
        return self._post(self._state(chat.id), user, {"poll": payloads.poll_json(poll)})

    def send_photo(
        self,
        user: SimUser,
        chat: SimChat,
        *,
        reply_to: int | None = None,
        caption: str | None = None,
        data: bytes = _TINY_PNG,
    ) -> int:
        """`user` sends a photo (a 1×1 PNG unless `data` is given)."""
        stored = self.store_file(data, file_name=None, mime_type="image/png", kind="photo")
        width, height = image_size(data)
        content: dict[str, Any] = {"photo": payloads.photo_sizes_json(stored, width, height)}
        if caption:
            content["caption"] = caption
        return self._post(self._state(chat.id), user, content, reply_to=reply_to)

    def vote_poll(self, user: SimUser, poll_id: str, option_ids: Sequence[int]) -> None:
        """`user` votes (an empty list retracts): `poll_answer` if not anonymous, then `poll`."""
        poll = self.polls_by_id.get(poll_id)
        if poll is None:
            raise ValueError(f"no poll {poll_id!r}")
        self.chats[poll.chat_id].members.setdefault(user.id, "member")
        self._vote(poll, user.id, option_ids, voter=payloads.user_json(user))

    def vote_poll_as_group(self, chat: SimChat, poll_id: str, option_ids: Sequence[int]) -> None:
        """An administrator who "remains anonymous" votes as the group itself: Telegram counts
        the group as one voter, and its `poll_answer` names it in `voter_chat`, with
        @Channel_Bot as `user` (supergroups only)."""
        poll = self.polls_by_id.get(poll_id)
        if poll is None or poll.chat_id != chat.id:
            raise ValueError(f"no poll {poll_id!r} in chat {chat.id}")
        if chat.type != "supergroup":
            raise ValueError("only supergroups have anonymous administrators")
        self._vote(poll, chat.id, option_ids, voter_chat=payloads.chat_json(chat))

    def _vote(
        self,
        poll: PollState,
        voter_id: int,
        option_ids: Sequence[int],
        *,
        voter: dict[str, Any] | None = None,
        voter_chat: dict[str, Any] | None = None,
    ) -> None:
        if poll.is_closed:
            raise ValueError(f"poll {poll.poll_id!r} is closed")
        chosen = tuple(sorted(set(option_ids)))
        if any(not 0 <= option < len(poll.options) for option in chosen):
            raise ValueError(f"poll {poll.poll_id!r} has no option among {list(option_ids)}")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise ValueError(f"poll {poll.poll_id!r} allows one answer only")
        previous = poll.votes.get(voter_id, ())
        if previous == chosen:
            return
        if previous and not poll.allows_revoting:
            raise ValueError(f"poll {poll.poll_id!r} does not allow changing a vote")
        if chosen:
            poll.votes[voter_id] = chosen
        else:
            poll.votes.pop(voter_id, None)
        self._refresh_poll_message(poll)
        if not poll.is_anonymous:
            answer = payloads.poll_answer_json(
                poll, voter or payloads.user_json(CHANNEL_BOT, is_bot=True), chosen
            )
            if voter_chat is not None:
                answer["voter_chat"] = voter_chat
            self.queue_update("poll_answer", answer)
        self.queue_update("poll", payloads.poll_json(poll))

    def press_button(
        self, user: SimUser, chat: SimChat, message_id: int, data: str, *, forged: bool = False
    ) -> str:
        """`user` presses the inline button carrying `data`; returns the callback query id.

        `forged=True` sends `data` although the message has no such button, as a modified
        client can (Telegram passes callback data on unchecked)."""
        state = self._state(chat.id)
        stored = state.messages.get(message_id)
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        markup = stored.payload.get("reply_markup", {})
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        has_it = any(button.get("callback_data") == data for row in rows for button in row)
        if not has_it and not forged:
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        if chat.type != "private":
            state.members.setdefault(user.id, "member")
        query_id = f"{user.id}{next(self._callback_counter):08d}"
        self.callback_queries[query_id] = {
            "user_id": user.id,
            "chat_id": chat.id,
            "message_id": message_id,
            "data": data,
            "answered": False,
            "answer": None,
        }
        self.queue_update(
            "callback_query",
            payloads.callback_query_json(
                query_id,
                user,
                copy.deepcopy(stored.payload),
                self.chat_instance(chat.id),
                data,
            ),
        )
        return query_id

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery parameters for a press, or None while unanswered."""
        record = self.callback_queries[query_id]
        answer: dict[str, Any] | None = record["answer"]
        return answer

    # ------------------------------------------------------------------ observation
    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Current state of the bot's messages in a chat; files carry `file_bytes`."""
        return [
            self._observable(stored)
            for stored in self._state(chat_id).messages.values()
            if stored.from_bot and not stored.deleted
        ]

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message in a chat (people's and the bot's), oldest first, as it is now."""
        return [
            self._observable(stored)
            for stored in self._state(chat_id).messages.values()
            if not stored.deleted
        ]

    def polls(self) -> dict[str, dict[str, Any]]:
        """Every poll the bot sent: poll id → question, options with counts, votes, state."""
        return {poll_id: poll.as_dict() for poll_id, poll in self.polls_by_id.items()}

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot uploaded or a user sent."""
        return self.files[file_id].data

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self.queue)

    # ------------------------------------------------------------------ used by the Bot API
    def chat_instance(self, chat_id: int) -> str:
        """A stable opaque `chat_instance` for callback queries from one chat."""
        return str(-((abs(chat_id) * 2654435761) % (1 << 62)))

    def next_media_group_id(self) -> int:
        """A new album's media_group_id."""
        return next(self._media_groups)

    def store_file(
        self, data: bytes, *, file_name: str | None, mime_type: str | None, kind: str
    ) -> StoredFile:
        """Keep a file and give it Telegram-like ids and a download path."""
        number = next(self._file_counter)
        prefix = {"photo": "AgACAgIAAxk", "document": "BQACAgIAAxk", "sticker": "CAACAgIAAxk"}
        file_id = f"{prefix.get(kind, 'BQACAgIAAxk')}{number:06d}{secrets.token_hex(6)}"
        extension = {"photo": ".jpg", "sticker": ".webp"}.get(kind) or (
            "." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""
        )
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{number:06d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{number}{extension}",
        )
        self.files[file_id] = stored
        return stored

    def chat_for_bot(self, chat_id: int, access: Access) -> ChatState:
        """The chat the bot addresses with `access`, or Telegram's error for why it cannot.

        As the Bot API server checks it (telegram-bot-api `check_chat_access`): a basic group
        upgraded to a supergroup refuses what writes, and also member queries (getChatMember
        of someone else, getChatAdministrators, getChatMemberCount), with 400 and
        `migrate_to_chat_id`, but still answers getChat; a basic group the bot is no longer in
        answers getChat but refuses the rest with 403; a supergroup it is not in refuses all.
        """
        if chat_id in self.users and chat_id not in self.chats:
            self.private_chat(self.users[chat_id])  # a known user: 403 until they start the bot
        state = self.chats.get(chat_id)
        if state is None or (state.chat.type == "private" and chat_id not in self.users):
            raise bad_request("chat not found")
        if state.chat.type == "private":
            return state
        if not state.bot_has_been_in:
            raise bad_request("chat not found")  # the bot never saw the group
        kind = state.chat.type
        if kind == "group":
            needs_write = access in ("write", "read_members")
            needs_edit = access != "read"
            if state.migrated_to is not None:
                if needs_write:
                    raise bad_request(
                        "group chat was upgraded to a supergroup chat",
                        {"migrate_to_chat_id": state.migrated_to},
                    )
                return state
        else:
            needs_edit = True  # a private supergroup: nothing without membership
        if needs_edit and not state.bot_is_member:
            if state.bot_was_removed:
                raise forbidden(f"bot was kicked from the {kind} chat")
            raise forbidden(f"bot is not a member of the {kind} chat")
        return state

    def writable_chat(self, chat_id: int) -> ChatState:
        """The chat the bot wants to post in, or the 400/403 Telegram would answer."""
        state = self.chat_for_bot(chat_id, "write")
        if state.chat.type == "private":
            if state.blocked:
                raise forbidden("bot was blocked by the user")
            if not state.started:
                raise forbidden("bot can't initiate conversation with a user")
        return state

    def post_from_bot(
        self,
        state: ChatState,
        content: dict[str, Any],
        *,
        reply_to: int | None = None,
        thread: int | None = None,
    ) -> dict[str, Any]:
        """Store a message the bot sent and return its payload (bots get no update for it)."""
        message_id = self._store(
            state, self.bot, content, reply_to=reply_to, from_bot=True, thread=thread
        )
        return copy.deepcopy(state.messages[message_id].payload)

    def member_json(self, state: ChatState, user_id: int) -> dict[str, Any]:
        """The `ChatMember` of a user (or the bot) in a chat."""
        if user_id == self.bot.id:
            return self._bot_member_json(state)
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if state.chat.type == "private":
            status: MemberStatus = "member"
        else:
            status = state.members.get(user_id, "left")
        return payloads.chat_member_json(payloads.user_json(user), status)

    def confirm_below(self, offset: int) -> None:
        """Forget every update whose id is below `offset` (the bot has confirmed them)."""
        # The queue is in update_id order: cut its head instead of rebuilding it.
        del self.queue[: bisect.bisect_left(self.queue, offset, key=lambda u: u.update_id)]
        self.confirmed_offset = max(self.confirmed_offset, offset)

    def deliverable(self, update: QueuedUpdate) -> bool:
        """Whether the bot's current `allowed_updates` lets this update through."""
        return self._wanted(update.kind)

    def _wanted(self, kind: str) -> bool:
        if self.allowed_updates is None:
            return kind not in _NOT_DELIVERED_BY_DEFAULT
        return kind in self.allowed_updates

    def bot_leaves(self, state: ChatState) -> None:
        """The bot left a group on its own (leaveChat)."""
        old = self._bot_member_json(state)
        state.bot_status = "left"
        self._bot_member_changed(state, payloads.user_json(self.bot, is_bot=True), old)

    def refresh_poll(self, poll: PollState) -> None:
        """Copy a poll's state into the message that carries it."""
        self._refresh_poll_message(poll)

    # ------------------------------------------------------------------ internals
    def _state(self, chat_id: int) -> ChatState:
        state = self.chats.get(chat_id)
        if state is None:
            raise ValueError(f"no chat {chat_id}")
        return state

    def _any_admin(self, state: ChatState) -> SimUser:
        for user_id, status in state.members.items():
            if status in ("creator", "administrator") and user_id in self.users:
                return self.users[user_id]
        for user_id in state.members:
            if user_id in self.users:
                return self.users[user_id]
        raise ValueError(f"chat {state.chat.id} has no member who could do that")

    def _bot_member_json(self, state: ChatState) -> dict[str, Any]:
        bot_json = payloads.user_json(self.bot, is_bot=True)
        return payloads.chat_member_json(bot_json, state.bot_status)

    def _bot_member_changed(
        self, state: ChatState, by: dict[str, Any], old: dict[str, Any]
    ) -> None:
        """Queue the `my_chat_member` update of the bot's status in `state` changed from
        `old` by `by` (a user's JSON)."""
        self.queue_update(
            "my_chat_member",
            payloads.chat_member_updated_json(
                payloads.chat_json(state.chat), by, self.now(), old, self._bot_member_json(state)
            ),
        )

    def _observable(self, stored: StoredMessage) -> dict[str, Any]:
        data = copy.deepcopy(stored.payload)
        if stored.file_id is not None:
            data["file_bytes"] = self.files[stored.file_id].data
        return data

    def _refresh_poll_message(self, poll: PollState) -> None:
        stored = self.chats[poll.chat_id].messages.get(poll.message_id)
        if stored is not None:
            stored.payload["poll"] = payloads.poll_json(poll)

    def _store(
        self,
        state: ChatState,
        sender: SimUser,
        content: dict[str, Any],
        *,
        reply_to: int | None,
        from_bot: bool,
        thread: int | None = None,
    ) -> int:
        if state.chat.is_forum:
            # In a forum a message lands in a topic: the one named, or the replied message's
            # (none: the General topic); it replies to the topic's first message unless it
            # replies to another.
            if thread is None and reply_to is not None:
                target = state.messages.get(reply_to)
                if target is not None:
                    thread = target.payload.get("message_thread_id")
            if thread is not None and "forum_topic_created" not in content:
                content = {**content, "message_thread_id": thread, "is_topic_message": True}
                if reply_to is None:
                    reply_to = thread
        message_id = state.next_message_id
        state.next_message_id += 1
        is_bot = from_bot or sender.id == GROUP_ANONYMOUS_BOT.id
        sender_json = payloads.user_json(sender, is_bot=is_bot)
        chat_user = self.users.get(state.chat.id) if state.chat.type == "private" else None
        payload: dict[str, Any] = {
            "message_id": message_id,
            "from": sender_json,
            "chat": payloads.chat_json(state.chat, chat_user),
            "date": self.now(),
        }
        if reply_to is not None:
            target = state.messages.get(reply_to)
            if target is None or target.deleted:
                raise bad_request("message to be replied not found")
            replied = copy.deepcopy(target.payload)
            replied.pop("reply_to_message", None)
            payload["reply_to_message"] = replied
        payload.update(content)
        file_id = None
        if "document" in content:
            file_id = content["document"]["file_id"]
        elif "photo" in content:
            file_id = content["photo"][-1]["file_id"]
        state.messages[message_id] = StoredMessage(
            payload=payload, from_bot=from_bot, file_id=file_id
        )
        return message_id

    def _post(
        self,
        state: ChatState,
        sender: SimUser,
        content: dict[str, Any],
        *,
        reply_to: int | None = None,
        service: bool = False,
        thread: int | None = None,
    ) -> int:
        """A person (or Telegram) posts in a chat; the bot gets it if it may see it."""
        if state.migrated_to is not None and not service:
            raise ValueError(f"chat {state.chat.id} was migrated to {state.migrated_to}")
        if state.chat.type == "private":
            if sender.id != state.chat.id:
                raise ValueError("only the chat's own user can write in a private chat")
            state.started = True
            state.blocked = False
        elif sender.id not in (GROUP_ANONYMOUS_BOT.id, TELEGRAM_SERVICE.id) and (
            sender.id not in state.members
        ):
            state.members[sender.id] = "member"
        if reply_to is not None and (
            reply_to not in state.messages or state.messages[reply_to].deleted
        ):
            raise ValueError(f"no message {reply_to} to reply to in chat {state.chat.id}")
        message_id = self._store(
            state, sender, content, reply_to=reply_to, from_bot=False, thread=thread
        )
        payload = state.messages[message_id].payload
        if (service or self._bot_receives(state, payload)) and state.bot_is_member:
            self.queue_update("message", copy.deepcopy(payload))
        return message_id

    def _bot_receives(self, state: ChatState, payload: dict[str, Any]) -> bool:
        """Telegram's delivery rule for a person's message (privacy mode included)."""
        if not state.bot_is_member:
            return False
        if state.chat.type == "private" or state.bot_sees_all:
            return True
        if state.bot_status in ("administrator", "creator"):
            return True
        replied = payload.get("reply_to_message")
        if replied is not None and replied.get("from", {}).get("id") == self.bot.id:
            return True
        text = payload.get("text") or payload.get("caption") or ""
        username = (self.bot.username or "").lower()
        for entity in payload.get("entities", []):
            part = entity_text(text, entity).lower()
            if entity["type"] == "bot_command" and ("@" not in part or part.endswith(username)):
                return True
            if entity["type"] == "mention" and part == f"@{username}":
                return True
        return False

    def queue_update(self, kind: str, body: dict[str, Any]) -> None:
        """Queue an update of `kind` for the bot and wake whoever waits for one.

        A kind the bot's allowed_updates leave out is not kept at all, as on Telegram: asking
        for it later brings only those that happen after."""
        if not self._wanted(kind):
            return
        update_id = next(self._update_ids)
        self.queue.append(
            QueuedUpdate(
                update_id=update_id, kind=kind, payload={"update_id": update_id, kind: body}
            )
        )
        self._wake()
