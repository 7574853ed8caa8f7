"""Plain records that cross the storage border (no SQL, no Telegram)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

RoundKind = Literal["text", "poll", "rating", "priorities"]
#: Kinds posted as a native Telegram poll (votes arrive as poll answers).
POLL_KINDS: tuple[RoundKind, ...] = ("poll", "priorities")
RoundState = Literal["scheduled", "open", "closed", "cancelled"]
# `orphan`: a poll Telegram took before a crash whose id was never stored, found once its
# copy was sent (bot/telegram/orphan_polls.py): closed, its votes count for the round.
PostPurpose = Literal["open", "note", "reminder", "close", "report", "orphan"]
# Where an answer or vote came from: a Telegram chat or a web answer page (SPEC §11).
Channel = Literal["telegram", "web"]


def to_ts(moment: datetime) -> float:
    """A timezone-aware datetime as UTC epoch seconds (how storage keeps time)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.timestamp()


def from_ts(value: float) -> datetime:
    """UTC epoch seconds back to an aware datetime in UTC."""
    return datetime.fromtimestamp(value, tz=UTC)


class ProgressSink(Protocol):
    """Where long work reports how far it got (bot/progress.py's bar, passed in by bot/cli.py).

    The core and storage take one as an argument instead of importing a progress library, so
    they stay free of any terminal concern; None means nobody is watching.
    """

    def set_total(self, total: int | None) -> None:
        """How many items there are in all, once known."""

    def advance(self, done: int = 1) -> None:
        """`done` more items are finished."""

    def describe(self, label: str) -> None:
        """What is being worked on now (e.g. the table being copied)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Community(_Record):
    id: int
    chat_id: int
    name: str
    active: bool


class Round(_Record):
    id: int
    kind: RoundKind
    state: RoundState
    question: str
    options: list[str]
    multi: bool
    anonymous: bool
    opens_at: datetime
    closes_at: datetime
    reminder_at: datetime | None
    cron: str | None
    recurrence_of: int | None
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    # The index (SPEC §10): a priorities round's principle ids in option order; the indicator
    # a `/rate --indicator` round feeds.
    principles: list[str] = []
    indicator: str | None = None

    @property
    def is_poll(self) -> bool:
        """Whether the round is posted as a native Telegram poll."""
        return self.kind in POLL_KINDS


class Post(_Record):
    round_id: int
    community_id: int
    community_name: str
    chat_id: int
    purpose: PostPurpose
    message_id: int | None
    poll_id: str | None
    sent_at: datetime | None
    attempts: int = 0  # sends started; > 0 while unsent means Telegram may have it already
    topic: int | None = None  # the forum topic (message_thread_id) the round was put to


class IndexPost(_Record):
    """A community's index scorecard for a period, owed to its group (`/index post`)."""

    period: str
    community_id: int
    community_name: str
    chat_id: int
    sent_at: datetime | None
    attempts: int = 0  # sends started; > 0 while unsent means Telegram may have it already


class TagRecord(_Record):
    theme_id: str
    kind: str
    score: float  # the tagger's confidence in [0, 1]
    evidence: list[str]
    learned: list[str] = []  # a model's weightiest words for the tag (migration 0008)


class NewAnswer(_Record):
    """An answer to store (text already redacted) with its themes."""

    round_id: int
    community_id: int
    resident: str
    source: str  # the message or form it came from; unique (see bot/core/answers.py source_key)
    via: str
    text: str
    text_hash: str
    at: datetime
    themes: list[TagRecord] = []
    channel: Channel = "telegram"


class StoredAnswer(_Record):
    id: int
    round_id: int
    community_id: int
    via: str
    text: str
    created_at: datetime
    updated_at: datetime
    hidden: bool
    themes: list[TagRecord] = []
    channel: Channel = "telegram"


class ThemeCount(_Record):
    theme_id: str
    kind: str
    count: int
    score_sum: float = 0.0  # of the tags counted: their mean is the theme's confidence


class OptionCount(_Record):
    community_id: int
    option_index: int
    votes: int


class Quote(_Record):
    answer_id: int
    theme_id: str
    resident: str
    text: str
    score: float


class DigestDelivery(_Record):
    """How far one staff chat got with one period's digest."""

    period_start: datetime
    chat_id: int
    parts_sent: int  # messages of the digest (text chunks, chart, CSV) this chat already has
    attempts: int  # failed attempts so far
    retry_at: datetime | None  # no new attempt before this (backoff after a failure)
    done_at: datetime | None  # the chat has it all, or refused it for good
    outcome: Literal["sent", "refused"] | None
