"""Residents' answers and votes: decide which round a message answers, redact, tag, store.

The core takes plain values (ids, text) so another chat channel can reuse it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from bot.core.base import Core, PreparedText, Turn
from bot.core.errors import PostNotStoredYet
from bot.core.models import Channel, NewAnswer, Post, Round, TagRecord
from bot.core.privacy import text_digest
from nlp.normalise import has_readable, storable
from nlp.redact import redact
from nlp.tagger import ThemeTag
from storage.repository import Session

log = logging.getLogger(__name__)

Outcome = Literal[
    "stored",  # a new answer
    "updated",  # an edit replaced the stored answer
    "duplicate",  # the same text again from the same resident: counted once
    "ignored",  # not an answer to any open round (ordinary chat)
    "too_long",
    "not_text",
    "rate_limited",
    "closed",  # the round it answers is not open any more
    # A private answer for a community whose group the bot was removed from: membership
    # can no longer be checked, so it takes no more answers (SPEC §9 "Only members count").
    "inactive",
]


class AnswerResult(BaseModel):
    """What happened to one incoming message."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    outcome: Outcome
    round_id: int | None = None
    answer_id: int | None = None
    themes: list[ThemeTag] = []
    length: int = 0


class IncomingMessage(BaseModel):
    """A resident's message, as any chat channel sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    chat_id: int
    private: bool
    message_id: int
    user_id: int
    text: str | None  # None for stickers, photos and other non-text messages
    reply_to_message_id: int | None = None
    reply_to_bot: bool = False  # the message it replies to is the bot's own
    # (round, community) of the start link in the message it replies to, if that message is
    # this bot's: the opening post of that round's question, stored or not (see `_Targets`).
    reply_shows: tuple[int, int] | None = None
    edited: bool = False
    sent_at: datetime | None = None  # when it was first sent (an edit keeps that date)

    @field_validator("text")
    @classmethod
    def _storable(cls, text: str | None) -> str | None:
        # A lone surrogate (valid JSON, invalid UTF-8), or a NUL on PostgreSQL, once made the
        # answer unstorable and the update a dead letter: keep the answer, with U+FFFD where
        # the broken character was and without the NUL.
        return None if text is None else storable(text)


@dataclass
class RateLimiter:
    """At most `per_minute` messages aimed at a round per resident in any sliding minute (in
    memory). `clock` (seconds) is injectable: the Telegram channel gives it the core's clock,
    so tests can hold time still.

    A message is counted once: judged again under the same `key` (its source) within the
    minute — a batch rolled back by somebody else's update and done again one by one — it is
    allowed again without counting twice, so nobody is refused for another's failure.
    """

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[tuple[float, str | None]]] = field(default_factory=dict)
    _keys: dict[str, set[str]] = field(default_factory=dict)
    _next_prune: float = 0.0

    def allow(self, resident: str, now: float | None = None, key: str | None = None) -> bool:
        """Count one message of `resident` (`key`: which one, if known); False if over the
        limit."""
        moment = self.clock() if now is None else now
        if moment >= self._next_prune or moment < self._next_prune - 60:
            # Once a minute, forget residents with nothing in their window, so that the
            # limiter's memory follows the residents answering now, not all who ever did.
            self._seen = {r: w for r, w in self._seen.items() if w and 0 <= moment - w[-1][0] <= 60}
            self._keys = {r: k for r, k in self._keys.items() if r in self._seen}
            self._next_prune = moment + 60
        window = self._seen.setdefault(resident, deque())
        keys = self._keys.setdefault(resident, set())
        # Also what lies ahead of `moment`: the clock went back (an NTP correction), and
        # those would otherwise count against the resident until it caught up.
        while window and not 0 <= moment - window[0][0] <= 60:
            keys.discard(window.popleft()[1])
        if key is not None and key in keys:
            return True
        if len(window) >= self.per_minute:
            return False
        window.append((moment, key))
        if key is not None:
            keys.add(key)
        return True


def to_records(tags: Sequence[ThemeTag]) -> list[TagRecord]:
    """Tagger output as storage records."""
    return [
        TagRecord(
            theme_id=t.id,
            kind=t.kind,
            score=t.score,
            evidence=list(t.evidence),
            learned=list(t.learned),
        )
        for t in tags
    ]


Target = tuple[Round, int, str]  # (round, community id, via)
# Round kinds whose opening post carries what residents vote on (a poll, buttons).
_VOTING = ("poll", "priorities", "rating")
# An update naming a bot message not stored yet is retried (PostNotStoredYet) only while a
# round that opened this recently has its opening post on the way: a post whose send failed
# and waits for its retry must not make every such update a retried dead letter.
IN_FLIGHT_SECONDS = 120


def _in_flight_since(core: Core) -> datetime:
    return core.now() - timedelta(seconds=IN_FLIGHT_SECONDS)


class _Targets:
    """Which round each message answers, each distinct lookup done once per batch."""

    def __init__(self, session: Session, in_flight_since: datetime) -> None:
        self._session = session
        self._in_flight_since = in_flight_since
        self._private: dict[str, Target | None] = {}
        self._replies: dict[tuple[int, int], Target | None] = {}
        self._groups: dict[int, Target | None] = {}
        # Residents whose private answer is for a community that is inactive now: the round.
        self.inactive: dict[str, int] = {}
        # (round, chat, message id) of replied-to opening posts whose id is not stored.
        self.unconfirmed: set[tuple[int, int, int]] = set()

    async def of(self, message: IncomingMessage, resident: str) -> Target | None:
        """(round, community id, via) the message answers, or None if it answers nothing."""
        if message.private:
            if resident not in self._private:
                self._private[resident] = await self._of_private(resident)
            return self._private[resident]
        if message.reply_to_message_id is not None:
            # A reply answers the round it replies to, or nothing (not the open round).
            key = (message.chat_id, message.reply_to_message_id)
            if key not in self._replies:
                self._replies[key] = await self._of_reply(
                    *key, message.reply_to_bot, message.reply_shows
                )
            return self._replies[key]
        if message.chat_id not in self._groups:
            self._groups[message.chat_id] = await self._of_group(message.chat_id)
        return self._groups[message.chat_id]

    async def _of_private(self, resident: str) -> Target | None:
        found = await self._session.get_private_session(resident)
        if found is None:
            return None
        round_ = await self._session.get_round(found[0])
        if round_ is None:
            return None
        communities = await self._session.list_round_communities(round_.id)
        if not any(c.id == found[1] and c.active for c in communities):
            # The bot left the group (or it moved without it): nobody's membership can be
            # checked, and the session does not come back with the bot (storage
            # `set_community_active`).
            self.inactive[resident] = round_.id
            return None
        return round_, found[1], "private"

    async def _of_reply(
        self, chat_id: int, message_id: int, to_bot: bool, shows: tuple[int, int] | None
    ) -> Target | None:
        posted = await self._session.get_round_of_post(chat_id, message_id)
        if posted is None and shows is not None:
            # The bot's message with a round's start link, its id not stored: that round's
            # question, which Telegram took just before a crash (or whose answer was lost).
            # Adopted as the round's post if that post is still unconfirmed (`record_answers`);
            # else it was sent again, and a reply to either answers the round.
            round_ = await self._session.get_round(shows[0])
            community = await self._session.get_community_by_chat(chat_id)
            if round_ is None or round_.kind != "text" or community is None:
                return None
            if community.id != shows[1]:
                return None
            self.unconfirmed.add((round_.id, chat_id, message_id))
            return round_, community.id, "reply"
        if posted is None:
            if to_bot and await self._session.round_post_in_flight(
                ("text",), self._in_flight_since, chat_id
            ):
                # Perhaps the round's question, answered the instant it appeared, before the
                # bot stored the id Telegram gave it: tried again once it is stored (SPEC §9).
                raise PostNotStoredYet
            return None
        round_, community_id, purpose = posted
        if purpose in ("open", "reminder") and round_.kind == "text":
            return round_, community_id, "reply"
        return None

    async def _of_group(self, chat_id: int) -> Target | None:
        community = await self._session.get_community_by_chat(chat_id)
        if community is None:
            return None
        open_text = await self._session.list_open_rounds_for(community.id, "text")
        # With several text rounds open, a message that replies to none of them is ambiguous.
        return (open_text[0], community.id, "group") if len(open_text) == 1 else None


def source_key(message: IncomingMessage, resident: str) -> str:
    """A stable key of the Telegram message an answer came from (edits share it).

    A private chat's id is the resident's Telegram user id, so it is keyed by the pseudonym.
    """
    if message.private:
        return f"p:{resident}:{message.message_id}"
    return f"g:{message.chat_id}:{message.message_id}"


@dataclass(frozen=True, slots=True)
class AnswerDraft:
    """An answer as a channel hands it to the core: the round and community it answers
    (already decided by the channel), who (a pseudonym), and what they wrote.

    A plain dataclass, not a pydantic model: one is built per message on the ingest path.
    """

    round: Round
    community_id: int
    resident: str
    source: str  # unique per message or form; an edit of the same message shares it
    via: str  # how the channel received it: reply | private | group | page
    text: str | None  # None for stickers, photos and other non-text messages
    channel: Channel = "telegram"


async def record_answer(
    core: Core,
    message: IncomingMessage,
    limiter: RateLimiter | None = None,
    *,
    turn: Turn | None = None,
) -> AnswerResult:
    """Store (or, for an edit, replace) a resident's answer to the round it answers.

    An edit of a message whose answer was deleted (/forget, retention) stores nothing.
    An edit looks for its answer, and stores itself as a new answer if there is none, in one
    transaction: the answer it edits may be committed by another transaction meanwhile (a
    webhook delivers the two at once), and then the edit's insert meets it and replaces it
    instead, rather than being dropped as a duplicate."""
    if not message.edited:
        return (await record_answers(core, [message], limiter, turn=turn))[0]
    resident = core.resident(message.user_id)
    source = source_key(message, resident)
    async with core.transaction(turn) as session:
        # The same transaction for every step below (claiming the update once, if any).
        inner = Turn(claimed=True, batch=session, prepared=turn.prepared if turn else {})
        existing = await session.get_answer_by_source(source)
        if existing is None and await session.answer_was_deleted(source):
            # Its answer was deleted (/forget): a resident who asked to be forgotten has not
            # answered again by fixing an old message. Nothing is said (a new message is a new
            # answer, and is told as one).
            return AnswerResult(outcome="ignored")
        if existing is None:
            result = (await record_answers(core, [message], limiter, turn=inner))[0]
            if result.outcome != "duplicate":
                return result
            existing = await session.get_answer_by_source(source)
            if existing is None:  # the same text as another of their answers
                return result
        elif limiter is not None and not limiter.allow(resident, key=_edit_key(source, turn)):
            return AnswerResult(outcome="rate_limited", round_id=existing.round_id)
        return await replace_answer(
            core, existing.id, existing.round_id, message.text or "", turn=inner
        )


def _edit_key(source: str, turn: Turn | None) -> str | None:
    """The rate limiter's key of one edit: its message and its update (every edit of a message
    counts, but one edit judged again, its batch rolled back by somebody else's update, does
    not count twice)."""
    if turn is None or turn.update_id is None:
        return None
    return f"{source}#u{turn.update_id}"


async def record_answers(
    core: Core,
    messages: Sequence[IncomingMessage],
    limiter: RateLimiter | None = None,
    *,
    turn: Turn | None = None,
) -> list[AnswerResult]:
    """Store new messages that answer open rounds; one result per message, in order.

    Every message is judged as if it came alone, but the work is shared: each round is looked
    up once, and the answers are written in a few statements of one transaction (a batch of
    updates from the intake arrives here as one call).
    """
    residents = [core.resident(m.user_id) for m in messages]
    async with core.reading(turn) as session:
        targets = _Targets(session, _in_flight_since(core))
        found = [await targets.of(m, r) for m, r in zip(messages, residents, strict=True)]
    for round_id, chat_id, message_id in sorted(targets.unconfirmed):
        await _adopt_unconfirmed(core, round_id, chat_id, message_id, "a reply", turn)
    drafts = [
        None
        if target is None or _edit_from_before(message, target[0])
        else AnswerDraft(
            round=target[0],
            community_id=target[1],
            resident=resident,
            source=source_key(message, resident),
            via=target[2],
            text=message.text,
        )
        for message, resident, target in zip(messages, residents, found, strict=True)
    ]
    results = await store_answers(core, drafts, limiter, turn=turn)
    return [
        AnswerResult(outcome="inactive", round_id=targets.inactive[resident])
        if message.private and resident in targets.inactive
        else result
        for message, resident, result in zip(messages, residents, results, strict=True)
    ]


EDIT_GRACE = timedelta(minutes=1)


def _edit_from_before(message: IncomingMessage, round_: Round) -> bool:
    """Whether the message is an edit of one written before the round opened: the question
    was not out yet, so it is no answer, edited now or not. A minute's grace: Telegram's clock
    (its dates are whole seconds) and ours may differ a little."""
    if not message.edited or message.sent_at is None:
        return False
    opened = round_.opened_at or round_.opens_at
    return message.sent_at < opened - EDIT_GRACE


async def store_answers(
    core: Core,
    drafts: Sequence[AnswerDraft | None],
    limiter: RateLimiter | None = None,
    *,
    turn: Turn | None = None,
) -> list[AnswerResult]:
    """Judge and store answers of any channel; one result per draft, in order (None: the
    message answers no round, "ignored").

    Redaction, length and rate limits, duplicates and the still-open check are the same for
    every channel; accepted answers are tagged and written in one transaction.
    """
    results: list[AnswerResult | None] = [None] * len(drafts)
    # (draft index, redacted text) of answers to store.
    accepted: list[tuple[int, str]] = []
    limit = core.settings.limits.max_answer_chars
    prepared = _usable(core, turn)
    for index, draft in enumerate(drafts):
        if draft is None:
            results[index] = AnswerResult(outcome="ignored")
            continue
        round_ = draft.round
        # Every message aimed at a round counts, stickers and over-long texts too: a limit
        # that only counted storable answers let a sticker flood through (SPEC §9).
        if limiter is not None and not limiter.allow(draft.resident, key=draft.source):
            results[index] = AnswerResult(outcome="rate_limited", round_id=round_.id)
            continue
        if round_.state != "open":
            log.info("answer to round %s ignored: round is %s", round_.id, round_.state)
            results[index] = AnswerResult(outcome="closed", round_id=round_.id)
            continue
        if draft.text is None:
            results[index] = AnswerResult(outcome="not_text", round_id=round_.id)
            continue
        ready = prepared.get(draft.text)
        if ready is not None:
            accepted.append((index, ready.clean))
            continue
        # Whatever the channel: a lone surrogate becomes U+FFFD and U+0000 goes, on every
        # backend alike, never an unstorable answer.
        text = storable(draft.text).strip()
        if not text:
            results[index] = AnswerResult(outcome="ignored")
        elif not has_readable(text):
            # Only invisible characters (zero-width spaces, a blank Braille pattern, what is
            # left of bytes that were no text): nothing to count as a resident's answer.
            results[index] = AnswerResult(outcome="not_text", round_id=round_.id)
        elif len(text) > limit:
            results[index] = AnswerResult(outcome="too_long", round_id=round_.id, length=len(text))
        else:
            accepted.append((index, redact(text)))
    if accepted:
        await _store_and_tag(core, drafts, accepted, results, turn, prepared)
    judged = [r for r in results if r is not None]
    if len(judged) != len(drafts):
        raise RuntimeError("a message was left without an outcome")
    return judged


def stored_text(text: str) -> str:
    """What an accepted answer's text is stored as: made storable, stripped, redacted."""
    return redact(storable(text).strip())


def _usable(core: Core, turn: Turn | None) -> Mapping[str, PreparedText]:
    """The turn's prepared texts, if they were tagged by the tagger the core uses now."""
    prepared = turn.prepared if turn is not None else {}
    if prepared and any(p.tagger is not core.tagger for p in prepared.values()):
        return {}  # the tagger changed meanwhile (/label learned): tag again
    return prepared


def prepare_texts(core: Core, texts: Sequence[str]) -> dict[str, PreparedText]:
    """Answer texts redacted and tagged ahead of storing, by their text as received: what
    `store_answers` would make of each (texts that are empty or too long once stripped are
    left out, and judged when stored). Pure work on the texts: no database, no decision
    about rounds; a text that turns out to answer nothing was prepared for nothing."""
    limit = core.settings.limits.max_answer_chars
    tagger = core.tagger
    cleaned: dict[str, str] = {}
    for text in texts:
        if text in cleaned:
            continue
        stripped = storable(text).strip()
        if has_readable(stripped) and len(stripped) <= limit:
            cleaned[text] = redact(stripped)
    tags = tagger.tag_many(list(cleaned.values()))
    return {
        text: PreparedText(clean=clean, tags=found, tagger=tagger)
        for (text, clean), found in zip(cleaned.items(), tags, strict=True)
    }


async def _store_and_tag(
    core: Core,
    drafts: Sequence[AnswerDraft | None],
    accepted: Sequence[tuple[int, str]],
    results: list[AnswerResult | None],
    turn: Turn | None,
    prepared: Mapping[str, PreparedText],
) -> None:
    """Store accepted answers and their themes in one transaction, filling in `results`."""
    now = core.now()
    rows = [
        (
            index,
            NewAnswer(
                round_id=draft.round.id,
                community_id=draft.community_id,
                resident=draft.resident,
                source=draft.source,
                via=draft.via,
                text=clean,
                text_hash=text_digest(clean),
                at=now,
                channel=draft.channel,
            ),
        )
        for index, clean in accepted
        if (draft := drafts[index]) is not None
    ]
    async with core.transaction(turn) as session:
        still_open = {
            round_id
            for round_id in sorted({row.round_id for _, row in rows})
            if await session.lock_open_round(round_id)
        }
        storing = [(index, row) for index, row in rows if row.round_id in still_open]
        ids = await session.add_answers([row for _, row in storing])
        # In this process: with jieba-rs, a batch of 100 long answers tags in ~25 ms, and a
        # second tagging process no longer paid for itself (bench/README.md, issue 18). The
        # intake tags most of them before (`prepare_texts`, while the batch before commits).
        tagged = _tags_of(core, [(drafts[i], row.text) for i, row in storing], prepared)
        await session.add_answer_themes(
            [
                (answer_id, row, to_records(tags))
                for (_, row), answer_id, tags in zip(storing, ids, tagged, strict=True)
                if answer_id is not None
            ]
        )
    for index, row in rows:
        if row.round_id not in still_open:
            results[index] = AnswerResult(outcome="closed", round_id=row.round_id)
    for (index, row), answer_id, tags in zip(storing, ids, tagged, strict=True):
        results[index] = (
            AnswerResult(outcome="duplicate", round_id=row.round_id)
            if answer_id is None
            else AnswerResult(
                outcome="stored", round_id=row.round_id, answer_id=answer_id, themes=tags
            )
        )


def _tags_of(
    core: Core,
    answers: Sequence[tuple[AnswerDraft | None, str]],
    prepared: Mapping[str, PreparedText],
) -> list[list[ThemeTag]]:
    """Tags of (draft, redacted text): prepared ones where the turn has them, the rest tagged
    now, together."""
    ready = [
        prepared.get(draft.text) if draft is not None and draft.text is not None else None
        for draft, _ in answers
    ]
    missing = [
        clean for p, (_, clean) in zip(ready, answers, strict=True) if p is None or p.clean != clean
    ]
    fresh = iter(core.tagger.tag_many(missing))
    return [
        p.tags if p is not None and p.clean == clean else next(fresh)
        for p, (_, clean) in zip(ready, answers, strict=True)
    ]


async def replace_answer(
    core: Core, answer_id: int, round_id: int, text: str, *, turn: Turn | None = None
) -> AnswerResult:
    """An edit: the answer's new text (redacted, re-tagged) replaces the stored one while its
    round is open. The caller has checked that the answer is the editor's own."""
    text = storable(text).strip()
    async with core.reading(turn) as session:
        round_ = await session.get_round(round_id)
    if round_ is None or round_.state != "open":
        return AnswerResult(outcome="closed", round_id=round_id)
    if not has_readable(text):
        return AnswerResult(outcome="not_text", round_id=round_id)
    if len(text) > core.settings.limits.max_answer_chars:
        return AnswerResult(outcome="too_long", round_id=round_id, length=len(text))
    clean = redact(text)
    tags = core.tagger.tag(clean)
    async with core.transaction(turn) as session:
        if not await session.lock_open_round(round_id):
            return AnswerResult(outcome="closed", round_id=round_id)
        replaced = await session.set_answer_text(
            answer_id, clean, text_digest(clean), core.now(), to_records(tags)
        )
    outcome: Outcome = "updated" if replaced else "duplicate"
    return AnswerResult(outcome=outcome, round_id=round_id, answer_id=answer_id, themes=tags)


# Whether the resident who followed a link is in a chat (a community's group) right now: the
# channel answers it (Telegram: getChatMember), so the core asks no channel itself.
IsMember = Callable[[int], Awaitable[bool]]

# Why a round link was refused: it names no open text round put to an active community
# ("bad_link"), or the resident is in none of the groups it could count for ("not_member").
# `votes_in_group`: an open poll or rating round, which takes votes on its message in the group.
StartRefusal = Literal["bad_link", "not_member", "votes_in_group"]


async def start_private_answer(
    core: Core,
    user_id: int,
    round_id: int,
    community_id: int | None,
    *,
    is_member: IsMember,
    turn: Turn | None = None,
) -> Round | StartRefusal:
    """`/start r<id>[c<cid>]`: the resident's next private messages answer this round, for
    that community (or the first of the round's communities whose group they are in).

    Only a member of the community's group may answer for it (SPEC §9): round ids are
    sequential and a link is easy to guess. Any refused link also ends the resident's earlier
    private session, so their next message is not taken as an answer to another round.
    """
    resident = core.resident(user_id)
    async with core.reading(turn) as session:
        round_ = await session.get_round(round_id)
        communities = await session.list_round_communities(round_id) if round_ else []
    chosen = None
    refusal: StartRefusal = "bad_link"
    if round_ is not None and round_.state == "open" and round_.kind != "text":
        refusal = "votes_in_group"
    elif round_ is not None and round_.state == "open":
        for community in communities:
            if (community_id is not None and community.id != community_id) or not community.active:
                continue
            refusal = "not_member"
            # Asked outside any transaction: a network call must never hold one open.
            if await is_member(community.chat_id):
                chosen = community.id
                break
    async with core.transaction(turn) as session:
        if chosen is None or round_ is None:
            await session.delete_private_session(resident)
            return refusal
        await session.set_private_session(resident, round_.id, chosen, core.now())
    return round_


async def left_group(core: Core, user_id: int, chat_id: int, *, turn: Turn | None = None) -> None:
    """Someone left (or was removed from) group `chat_id`: a private answer they began for
    that group's community ends, so that what they send next counts for no community they
    are no longer in (SPEC §9); one begun for another community goes on."""
    resident = core.resident(user_id)
    async with core.transaction(turn) as session:
        community = await session.get_community_by_chat(chat_id)
        begun = await session.get_private_session(resident)
        if community is not None and begun is not None and begun[1] == community.id:
            await session.delete_private_session(resident)
            log.info("private answer to round %s ended: its resident left the group", begun[0])


VoteOutcome = Literal["recorded", "retracted", "closed", "unknown", "invalid"]


async def record_poll_vote(
    core: Core,
    poll_id: str,
    user_id: int,
    option_ids: Sequence[int],
    *,
    turn: Turn | None = None,
) -> VoteOutcome:
    """A non-anonymous poll answer: the resident's choice replaces the earlier one.

    Telegram sends poll answers only for the bot's own polls, so a poll whose id is not stored
    is one whose id is not stored yet (answered the instant it appeared) or never was (taken
    by Telegram just before a crash): the vote is kept as a stray, counted once that id is
    stored (`count_stray_votes`), and "unknown" till then (SPEC §9)."""
    async with core.reading(turn) as session:
        post = await session.get_post_by_poll(poll_id)
        round_ = None if post is None else await session.get_round(post.round_id)
    if post is None:
        async with core.transaction(turn) as session:
            await session.share_stray_votes()
            post = await session.get_post_by_poll(poll_id)
            if post is None:
                resident = core.resident(user_id)
                await session.add_stray_poll_vote(poll_id, resident, option_ids, core.now())
                return "unknown"
            round_ = await session.get_round(post.round_id)
    if post is None or round_ is None:
        return "unknown"
    return await cast_vote(
        core, round_, post.community_id, core.resident(user_id), option_ids, turn=turn
    )


async def _adopt_unconfirmed(
    core: Core, round_id: int, chat_id: int, message_id: int, what: str, turn: Turn | None
) -> Post | None:
    """`what` (a press, a reply) on the bot's message `message_id`, which shows round
    `round_id`'s opening post (its buttons, its start link): if that post in `chat_id` was
    being sent and its message id never stored (the bot crashed, or lost Telegram's answer,
    after Telegram took it), that message is the post: stored as sent, so it is not sent a
    second time (SPEC §2, §9). The post, also when another process adopted it since this
    one looked (PostgreSQL), or None if it was in neither state."""
    async with core.transaction(turn) as session:
        post = await session.adopt_unconfirmed_post(round_id, chat_id, message_id, core.now())
        adopted = post is not None
        if not adopted:
            post = await session.get_post_by_message(chat_id, message_id)
    if adopted:
        log.warning(
            "round %s: %s shows Telegram took its opening post, whose id was never stored; "
            "stored as sent now, not sent again",
            round_id,
            what,
        )
    return post


def _fits(round_: Round, choice: Sequence[int]) -> bool:
    """Whether a vote (poll options, or one rating 1-5; empty retracts) fits the round."""
    if round_.kind == "rating":
        return len(choice) == 1 and 1 <= choice[0] <= 5
    return all(0 <= i < len(round_.options) for i in choice) and (
        len(set(choice)) <= 1 or round_.multi
    )


async def cast_vote(
    core: Core,
    round_: Round,
    community_id: int,
    resident: str,
    choice: Sequence[int],
    channel: Channel = "telegram",
    *,
    turn: Turn | None = None,
) -> VoteOutcome:
    """A resident's poll options or rating (one value, 1-5) in a round of any channel: it
    replaces their earlier vote while the round is open; an empty poll choice retracts it."""
    if round_.kind == "text":
        return "unknown"
    if round_.state != "open":
        log.info("vote for round %s ignored: round is %s", round_.id, round_.state)
        return "closed"
    if not _fits(round_, choice):
        return "invalid"
    async with core.transaction(turn) as session:
        if not await session.lock_open_round(round_.id):
            return "closed"
        await session.set_votes(round_.id, community_id, resident, choice, core.now(), channel)
    return "recorded" if choice else "retracted"


async def count_stray_votes(
    core: Core, session: Session, poll_id: str, *, closed: bool = False
) -> int:
    """Count the stray votes kept for `poll_id` (see `record_poll_vote`), now that the poll's
    post is stored in this transaction (`session`, which must have held the stray votes
    before storing it); each counts unless its resident voted later in the round (in its
    other poll), the round is closed (`closed`: counted all the same, the caller found the
    round's figures not final yet, see `orphan_counts`), or it does not fit the round. How
    many counted."""
    post = await session.get_post_by_poll(poll_id)
    round_ = None if post is None else await session.get_round(post.round_id)
    strays = await session.take_stray_poll_votes(poll_id)
    if post is None or round_ is None or not strays or round_.kind == "text":
        return 0
    if not await session.lock_open_round(round_.id) and not closed:
        log.info("%s stray votes for round %s ignored: round is closed", len(strays), round_.id)
        return 0
    counted = 0
    for resident, choice, at in strays:
        if not _fits(round_, choice):
            continue
        cast = await session.vote_time(round_.id, resident)
        if cast is not None and cast > at:
            continue  # they voted since (in the round's other poll): that vote is their last
        await session.set_votes(round_.id, post.community_id, resident, choice, at)
        counted += 1
    return counted


async def orphan_counts(session: Session, round_id: int) -> bool:
    """Whether the votes of a round's poll found only now (its first copy, see
    `adopt_orphan_poll`) may still count: while the round is open, and after it closed until
    its organisers' report went out (the closing summaries are edited to match, see
    bot/telegram/outbox.py). Once the report is out, the round's figures are final: the
    report, the summaries and `minyi report` never disagree."""
    round_ = await session.get_round(round_id)
    if round_ is None:
        return False
    if round_.state == "open":
        return True
    return not any(p.sent_at is not None for p in await session.list_posts(round_id, "report"))


@dataclass(frozen=True)
class StoppedPoll:
    """A poll as Telegram shows it once stopped: its id, question, options and totals."""

    poll_id: str
    question: str
    options: list[str]
    counts: list[int]
    voters: int


async def adopt_orphan_poll(
    core: Core,
    session: Session,
    round_: Round,
    community_id: int,
    message_id: int | None,
    poll: StoppedPoll,
    *,
    closed_too: bool = True,
    leave_owed: bool = False,
) -> int | None:
    """Store `poll`, stopped just now, as the first copy of `round_`'s poll in that community
    (an `orphan` post) and count what was cast in it: the stray votes kept for it, or an
    anonymous poll's final totals, while `orphan_counts` (and the round is open, unless
    `closed_too`: the caller edits the closing summary to match; `leave_owed`: its search is
    left owed, for the outbox to end, editing the summary). None if a first copy is stored for
    them already, else how many votes counted. `session` holds nothing yet."""
    await session.hold_stray_votes()
    at = None if leave_owed else core.now()
    if not await session.add_orphan_poll(round_.id, community_id, message_id, poll.poll_id, at):
        return None
    current = await session.get_round(round_.id)
    open_now = current is not None and current.state == "open"
    if not await orphan_counts(session, round_.id) or not (open_now or closed_too):
        dropped = len(await session.take_stray_poll_votes(poll.poll_id))
        log.warning(
            "round %s: its poll's first copy was found after %s: %s votes cast in it (and an "
            "anonymous poll's %s voters) not counted, the figures sent stand",
            round_.id,
            "its report went out" if open_now or closed_too else "its summary went out",
            dropped,
            poll.voters if round_.anonymous else 0,
        )
        return 0
    if round_.anonymous:
        await session.set_poll_tally(poll.poll_id, poll.counts, poll.voters)
        return poll.voters
    return await count_stray_votes(core, session, poll.poll_id, closed=True)


async def adopt_stopped_poll(core: Core, poll: StoppedPoll, *, turn: Turn | None = None) -> bool:
    """Telegram tells the bot a poll of its own whose id is not stored was stopped: the first
    copy of a round's poll, stopped by the search for it (bot/telegram/orphan_polls.py) just before
    the bot crashed or lost Telegram's answer, so the search can no longer tell it (Telegram
    refuses to stop it again). It is that round's first copy if exactly one search of a poll
    with its question and options is on or ended empty-handed; True if it was stored."""
    async with core.reading(turn) as session:
        if await session.get_post_by_poll(poll.poll_id) is not None:
            return False
        searches = [
            (r, c, looking)
            for r, c, looking in await session.list_orphan_searches(poll.question)
            if r.is_poll and r.options == poll.options
        ]
    if len(searches) != 1:
        if searches:
            log.warning(
                "a stopped poll of the bot's matches the first copies looked for in %s "
                "communities of round %s: its votes are not counted",
                len(searches),
                searches[0][0].id,
            )
        return False
    round_, community_id, looking = searches[0]
    async with core.transaction(turn) as session:
        # The summary of a closed round is not edited from here (no chat at hand): the
        # search, still owed, is left for the outbox to end, which edits it (see
        # bot/telegram/orphan_polls.py `look_for_orphan`); a search ended already leaves what
        # was cast in the first copy uncounted once the round closed.
        counted = await adopt_orphan_poll(
            core,
            session,
            round_,
            community_id,
            None,
            poll,
            closed_too=looking,
            leave_owed=looking and round_.state != "open",
        )
    if counted is None:
        return False
    log.warning(
        "round %s: its poll's first copy, stopped by its search just before the bot lost the "
        "answer, is stored from Telegram's update; %s votes cast in it counted",
        round_.id,
        counted,
    )
    return True


async def record_poll_tally(
    core: Core, poll_id: str, counts: Sequence[int], voters: int, *, turn: Turn | None = None
) -> bool:
    """An anonymous poll's totals, as Telegram reports them; False if not ours or closed."""
    async with core.reading(turn) as session:
        post = await session.get_post_by_poll(poll_id)
        round_ = None if post is None else await session.get_round(post.round_id)
    if post is None or round_ is None or not round_.anonymous:
        return False
    if round_.state != "open":
        # Closing stores the totals that stopping the poll returns (bot/telegram/outbox.py), votes
        # cast between the round's closing and the stop included; the `is_closed` update that
        # follows carries the same totals.
        log.info("poll totals for round %s ignored: round is %s", round_.id, round_.state)
        return False
    async with core.transaction(turn) as session:
        # Ordered by update: a webhook may deliver an older update's totals after newer ones
        # (without a turn, as from closing the poll, the totals are final).
        await session.set_poll_tally(
            poll_id, counts, voters, turn.update_id if turn is not None else None
        )
    return True


async def record_rating(
    core: Core,
    chat_id: int,
    message_id: int,
    user_id: int,
    round_id: int,
    value: int,
    *,
    carries_round: bool = False,
    turn: Turn | None = None,
) -> VoteOutcome:
    """A rating button press on the post of round `round_id`: one vote per resident,
    changeable while the round is open; "unknown" for a press on any other message.

    `carries_round`: the pressed message, as Telegram shows it, is the bot's and carries this
    round's rating buttons. If the round's opening post in that chat was being sent and its
    message id never stored (the bot crashed, or lost Telegram's answer, after Telegram took
    it), that message is the post: it is stored as sent, so the press counts and the post is
    not sent a second time (SPEC §2, §9)."""
    if not 1 <= value <= 5:
        return "invalid"
    async with core.reading(turn) as session:
        post = await session.get_post_by_message(chat_id, message_id)
        round_ = None if post is None else await session.get_round(post.round_id)
        in_flight = post is None and await session.round_post_in_flight(
            _VOTING, _in_flight_since(core), chat_id
        )
    if post is None and carries_round:
        post = await _adopt_unconfirmed(core, round_id, chat_id, message_id, "a press", turn)
        if post is not None:
            async with core.reading(turn) as session:
                round_ = await session.get_round(post.round_id)
    if post is None and in_flight:
        raise PostNotStoredYet
    if post is None or round_ is None or round_.kind != "rating" or round_.id != round_id:
        return "unknown"
    return await cast_vote(
        core, round_, post.community_id, core.resident(user_id), [value], turn=turn
    )
