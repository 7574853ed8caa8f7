"""The emulator's own records: people, chats, stored messages and files, recorded calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
# How a Bot API method uses a chat (telegram-bot-api's AccessRights): what its refusals depend on.
Access = Literal["read", "read_members", "edit", "write"]
FaultKind = Literal["400", "413", "429", "500", "502", "drop", "drop_after"]


@dataclass(frozen=True)
class SimUser:
    """A simulated Telegram user (a resident or an organiser)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class SimChat:
    """A simulated chat as the people API hands it out."""

    id: int
    type: ChatType
    title: str | None = None
    is_forum: bool = False  # a supergroup with topics


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as the bot uploaded it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file Telegram "has": uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str


@dataclass
class StoredMessage:
    """One message in a chat, kept as the JSON Telegram would hand out."""

    payload: dict[str, Any]
    from_bot: bool
    deleted: bool = False
    file_id: str | None = None


@dataclass
class ChatState:
    """Everything the emulator knows about one chat."""

    chat: SimChat
    members: dict[int, MemberStatus] = field(default_factory=dict)
    bot_status: MemberStatus = "left"
    bot_sees_all: bool = True
    # The bot was in the group and someone removed it (sends then say "bot was kicked").
    bot_was_removed: bool = False
    # The bot was ever in the group: Telegram knows no other group for it ("chat not found").
    bot_has_been_in: bool = False
    migrated_to: int | None = None
    # A private chat only: the user has written to the bot (sent /start or anything else).
    started: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    # (message id, user id) → the emoji that user set on that message.
    reactions: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def bot_is_member(self) -> bool:
        """Whether the bot is currently in this group (private chats: always)."""
        if self.chat.type == "private":
            return True
        return self.bot_status in ("member", "administrator", "creator")


@dataclass
class PollState:
    """A poll the bot sent, with every voter's current choice."""

    poll_id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    option_ids: list[str]
    is_anonymous: bool
    allows_multiple_answers: bool
    allows_revoting: bool
    poll_type: str
    is_closed: bool = False
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        """Voter count per option."""
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return counts

    def counted_json(self) -> dict[str, Any]:
        """The question, the options with their current counts, and the flags: what both the
        Bot API's `Poll` object (sandbox/payloads.py `poll_json`) and `as_dict` show."""
        counts = self.counts()
        return {
            "id": self.poll_id,
            "question": self.question,
            "options": [
                {"text": text, "voter_count": count, "persistent_id": pid}
                for text, count, pid in zip(self.options, counts, self.option_ids, strict=True)
            ],
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "allows_multiple_answers": self.allows_multiple_answers,
        }

    def as_dict(self) -> dict[str, Any]:
        """The observable state of the poll, for tests."""
        return {
            **self.counted_json(),
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "votes": {user_id: list(chosen) for user_id, chosen in self.votes.items()},
        }


@dataclass
class QueuedUpdate:
    """An update waiting to be confirmed by the bot."""

    update_id: int
    kind: str
    payload: dict[str, Any]


@dataclass
class RecordedCall:
    """One Bot API call the bot made, with its decoded parameters and the reply it got."""

    method: str
    params: dict[str, Any]
    time: float
    ok: bool | None = None
    result: Any = None
    error_code: int | None = None
    description: str | None = None


@dataclass
class Fault:
    """A fault waiting to hit the next matching call(s)."""

    kind: FaultKind
    method: str | None
    remaining: int
    retry_after: int
    chat_id: int | None = None
    description: str | None = None  # a 400's reason, when not the default
