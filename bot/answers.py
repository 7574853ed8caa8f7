"""Residents' answers and votes: decide which round a message answers, redact, tag, store.

The core takes plain values (ids, text) so another chat channel can reuse it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.core import Core
from bot.privacy import text_digest
from nlp.redact import redact
from nlp.tagger import ThemeTag
from storage.models import Round, TagRecord

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
    edited: bool = False


@dataclass
class RateLimiter:
    """At most `per_minute` answers per resident in any sliding minute (in memory)."""

    per_minute: int
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _next_prune: float = 0.0

    def allow(self, resident: str, now: float | None = None) -> bool:
        """Count one answer for `resident`; False if over the limit."""
        moment = time.monotonic() if now is None else now
        if moment >= self._next_prune:
            # Once a minute, forget residents with nothing in their window, so that the
            # limiter's memory follows the residents answering now, not all who ever did.
            self._seen = {r: w for r, w in self._seen.items() if w and moment - w[-1] <= 60}
            self._next_prune = moment + 60
        window = self._seen.setdefault(resident, deque())
        while window and moment - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(moment)
        return True


def to_records(tags: Sequence[ThemeTag]) -> list[TagRecord]:
    """Tagger output as storage records."""
    return [
        TagRecord(theme_id=t.id, kind=t.kind, score=t.score, evidence=list(t.evidence))
        for t in tags
    ]


async def _target_round(
    core: Core, message: IncomingMessage, resident: str
) -> tuple[Round, int, str] | None:
    """(round, community id, via) the message answers, or None if it answers nothing."""
    async with core.repo.transaction() as session:
        if message.private:
            found = await session.get_private_session(resident)
            if found is None:
                return None
            round_ = await session.get_round(found[0])
            return None if round_ is None else (round_, found[1], "private")
        if message.reply_to_message_id is not None:
            # A reply answers the round it replies to, or nothing (not the open round).
            posted = await session.get_round_of_post(message.chat_id, message.reply_to_message_id)
            if posted is None:
                return None
            round_, community_id, purpose = posted
            if purpose in ("open", "reminder") and round_.kind == "text":
                return round_, community_id, "reply"
            return None
        community = await session.get_community_by_chat(message.chat_id)
        if community is None:
            return None
        open_text = await session.list_open_rounds_for(community.id, "text")
        if len(open_text) == 1:
            return open_text[0], community.id, "group"
        return None


def source_key(message: IncomingMessage, resident: str) -> str:
    """A stable key of the Telegram message an answer came from (edits share it).

    A private chat's id is the resident's Telegram user id, so it is keyed by the pseudonym.
    """
    if message.private:
        return f"p:{resident}:{message.message_id}"
    return f"g:{message.chat_id}:{message.message_id}"


async def record_answer(
    core: Core, message: IncomingMessage, limiter: RateLimiter | None = None
) -> AnswerResult:
    """Store (or, for an edit, replace) a resident's answer to the round it answers."""
    resident = core.resident(message.user_id)
    source = source_key(message, resident)
    if message.edited:
        async with core.repo.transaction() as session:
            existing = await session.get_answer_by_source(source)
        if existing is not None:
            return await _replace_answer(core, existing.id, existing.round_id, message)
    target = await _target_round(core, message, resident)
    if target is None:
        return AnswerResult(outcome="ignored")
    round_, community_id, via = target
    if round_.state != "open":
        log.info("answer to round %s ignored: round is %s", round_.id, round_.state)
        return AnswerResult(outcome="closed", round_id=round_.id)
    if message.text is None:
        return AnswerResult(outcome="not_text", round_id=round_.id)
    text = message.text.strip()
    if not text:
        return AnswerResult(outcome="ignored")
    limit = core.settings.limits.max_answer_chars
    if len(text) > limit:
        return AnswerResult(outcome="too_long", round_id=round_.id, length=len(text))
    if limiter is not None and not limiter.allow(resident):
        return AnswerResult(outcome="rate_limited", round_id=round_.id)
    clean = redact(text)
    tags = core.tagger.tag(clean)
    now = core.now()
    async with core.transaction() as session:
        if not await session.lock_open_round(round_.id):
            return AnswerResult(outcome="closed", round_id=round_.id)
        answer_id = await session.add_answer(
            round_id=round_.id,
            community_id=community_id,
            resident=resident,
            source=source,
            via=via,
            text=clean,
            text_hash=text_digest(clean),
            at=now,
            themes=to_records(tags),
        )
    if answer_id is None:
        return AnswerResult(outcome="duplicate", round_id=round_.id)
    return AnswerResult(outcome="stored", round_id=round_.id, answer_id=answer_id, themes=tags)


async def _replace_answer(
    core: Core, answer_id: int, round_id: int, message: IncomingMessage
) -> AnswerResult:
    text = (message.text or "").strip()
    async with core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
    if round_ is None or round_.state != "open":
        return AnswerResult(outcome="closed", round_id=round_id)
    if not text:
        return AnswerResult(outcome="not_text", round_id=round_id)
    if len(text) > core.settings.limits.max_answer_chars:
        return AnswerResult(outcome="too_long", round_id=round_id, length=len(text))
    clean = redact(text)
    tags = core.tagger.tag(clean)
    async with core.transaction() as session:
        if not await session.lock_open_round(round_id):
            return AnswerResult(outcome="closed", round_id=round_id)
        replaced = await session.set_answer_text(
            answer_id, clean, text_digest(clean), core.now(), to_records(tags)
        )
    outcome: Outcome = "updated" if replaced else "duplicate"
    return AnswerResult(outcome=outcome, round_id=round_id, answer_id=answer_id, themes=tags)


async def start_private_answer(
    core: Core, user_id: int, round_id: int, community_id: int | None
) -> Round | None:
    """`/start r<id>`: the resident's next private messages answer this round (if open)."""
    resident = core.resident(user_id)
    async with core.transaction() as session:
        round_ = await session.get_round(round_id)
        if round_ is None or round_.state != "open" or round_.kind != "text":
            return None
        communities = await session.list_round_communities(round_id)
        ids = [c.id for c in communities]
        if not ids:
            return None
        chosen = community_id if community_id in ids else ids[0]
        await session.set_private_session(resident, round_id, chosen, core.now())
    return round_


VoteOutcome = Literal["recorded", "retracted", "closed", "unknown", "invalid"]


async def record_poll_vote(
    core: Core, poll_id: str, user_id: int, option_ids: Sequence[int]
) -> VoteOutcome:
    """A non-anonymous poll answer: the resident's choice replaces the earlier one."""
    async with core.repo.transaction() as session:
        post = await session.get_post_by_poll(poll_id)
        round_ = None if post is None else await session.get_round(post.round_id)
    if post is None or round_ is None:
        return "unknown"
    if round_.state != "open":
        log.info("vote for round %s ignored: round is %s", round_.id, round_.state)
        return "closed"
    if any(not 0 <= i < len(round_.options) for i in option_ids):
        return "invalid"
    async with core.transaction() as session:
        if not await session.lock_open_round(round_.id):
            return "closed"
        await session.set_votes(
            round_.id, post.community_id, core.resident(user_id), option_ids, core.now()
        )
    return "recorded" if option_ids else "retracted"


async def record_poll_tally(core: Core, poll_id: str, counts: Sequence[int], voters: int) -> bool:
    """An anonymous poll's totals, as Telegram reports them; False if not ours or closed."""
    async with core.repo.transaction() as session:
        post = await session.get_post_by_poll(poll_id)
        round_ = None if post is None else await session.get_round(post.round_id)
    if post is None or round_ is None or not round_.anonymous:
        return False
    if round_.state != "open":
        # Closing stores the totals that stopping the poll returns (bot/delivery.py), votes
        # cast between the round's closing and the stop included; the `is_closed` update that
        # follows carries the same totals.
        log.info("poll totals for round %s ignored: round is %s", round_.id, round_.state)
        return False
    async with core.transaction() as session:
        await session.set_poll_tally(poll_id, counts, voters)
    return True


async def record_rating(
    core: Core, chat_id: int, message_id: int, user_id: int, value: int
) -> VoteOutcome:
    """A rating button press: one vote per resident, changeable while the round is open."""
    if not 1 <= value <= 5:
        return "invalid"
    async with core.repo.transaction() as session:
        post = await session.get_post_by_message(chat_id, message_id)
        round_ = None if post is None else await session.get_round(post.round_id)
    if post is None or round_ is None or round_.kind != "rating":
        return "unknown"
    if round_.state != "open":
        log.info("rating for round %s ignored: round is %s", round_.id, round_.state)
        return "closed"
    async with core.transaction() as session:
        if not await session.lock_open_round(round_.id):
            return "closed"
        await session.set_votes(
            round_.id, post.community_id, core.resident(user_id), [value], core.now()
        )
    return "recorded"
