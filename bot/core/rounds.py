"""Consultation rounds: open, schedule, close, cancel and the transitions that fall due.

Every transition is stored (with the posts it owes each community, see storage `posts`)
before any Telegram message is sent; bot/telegram/outbox.py sends what is owed afterwards, so a
crash in between neither loses nor duplicates a post (SPEC §2).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core, Turn
from bot.core.crontab import next_fire
from bot.core.durations import local_minute, parse_duration
from bot.core.errors import RoundError, UsageError
from bot.core.indexing import load_framework
from bot.core.models import Community, Round
from bot.core.parsing import MAX_OPTIONS, MIN_OPTIONS, RoundRequest
from bot.core.privacy import failure
from storage.repository import Session

log = logging.getLogger(__name__)


class RoundCreated(BaseModel):
    """A round that was opened or scheduled, with the communities it goes to and those it was
    not sent to (`all` skips communities whose groups removed the bot)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    round: Round
    communities: list[Community]
    skipped: list[Community] = []


class RoundChanged(BaseModel):
    """A round closed or cancelled by an organiser (or, `series_stopped`, a recurring round
    told to recur no more), with the next occurrence of its series that the change stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    round: Round
    next: Round | None = None
    series_stopped: bool = False


def _reminder_at(core: Core, opens_at: datetime, closes_at: datetime) -> datetime | None:
    """When to remind a round's communities (`rounds.reminder_before` before closing), if at all."""
    before = core.settings.rounds.reminder_before
    if not before:
        return None
    at = closes_at - parse_duration(before)
    # A reminder only makes sense well inside the window.
    return at if at > opens_at + (closes_at - opens_at) / 4 else None


# An opening this long after its time was late (the bot was down, or no process ticked): its
# post says when it was due. Shorter delays are a tick or a busy outbox, not worth a word.
LATE_OPENING = timedelta(minutes=5)


def late_opening(opens_at: datetime, opened_at: datetime | None, closes_at: datetime) -> bool:
    """Whether a round due at `opens_at` opened well after it (at `opened_at`), though still
    inside its window: one whose whole window passed while the bot was down never opened."""
    return opened_at is not None and opened_at - opens_at > LATE_OPENING and opened_at < closes_at


def opened_late(round_: Round) -> bool:
    """Whether the round opened well after the time it was scheduled for (`late_opening`)."""
    return late_opening(round_.opens_at, round_.opened_at, round_.closes_at)


async def create_round(
    core: Core,
    request: RoundRequest,
    communities: Sequence[Community],
    actor: str,
    *,
    skipped: Sequence[Community] = (),
    topics: Mapping[int, int] | None = None,
    turn: Turn | None = None,
) -> RoundCreated:
    """Store a round: open now (owing an opening post per community) or scheduled.
    `topics`: the forum topic (by community id) the round is put to, where it was asked in one.

    A recurring round (`request.cron`) first opens at `request.opens_at`, or else at the
    expression's next firing; each closing stores the next occurrence.
    """
    if not communities:
        raise RoundError("no_communities")
    now = core.now()
    duration = request.duration or parse_duration(core.settings.rounds.default_duration)
    cron = request.cron
    opens_at = request.opens_at
    if opens_at is None and cron is not None:
        opens_at = next_fire(cron, now, core.settings.schedule.tz)
    if opens_at is not None and opens_at <= now:
        raise RoundError("round_in_past")
    scheduled = opens_at is not None
    # In UTC before any arithmetic: an aware datetime in the configured zone adds wall-clock
    # time, so "48h" over a daylight-saving change lasted 47 or 49 real hours.
    opens_at = (opens_at or now).astimezone(UTC)
    closes_at = opens_at + duration
    options, principles, indicator = await _index_fields(core, request)
    async with core.transaction(turn) as session:
        created = await session.add_round(
            kind=request.kind,  # type: ignore[arg-type]  # validated by the parser
            state="scheduled" if scheduled else "open",
            question=request.question,
            community_ids=[c.id for c in communities],
            opens_at=opens_at,
            closes_at=closes_at,
            reminder_at=_reminder_at(core, opens_at, closes_at),
            created_by=actor,
            at=now,
            options=options,
            multi=request.multi,
            anonymous=request.anonymous,
            cron=cron,
            principles=principles,
            indicator=indicator,
            topics=topics,
        )
        if not scheduled:
            await session.set_round_state(created.id, "open", now, expect="open")
            await add_opening_posts(session, created, [c.id for c in communities])
            reread = await session.get_round(created.id)
            assert reread is not None
            created = reread
    log.info("round %s %s (%s)", created.id, created.state, created.kind)
    if not scheduled:
        core.owe_posts()
    return RoundCreated(round=created, communities=list(communities), skipped=list(skipped))


async def _index_fields(
    core: Core, request: RoundRequest
) -> tuple[list[str], list[str], str | None]:
    """The options and principle ids of a priorities round (the framework's principles, named
    in the deployment's language); a `/rate --indicator` round's indicator must exist, and is
    stored as the framework spells its id."""
    if request.kind == "priorities":
        if not request.question:
            raise UsageError("priorities", "parse_question_missing")
        framework = await load_framework(core)
        count = len(framework.principles)
        if not MIN_OPTIONS <= count <= MAX_OPTIONS:
            raise RoundError("index_principles_poll", count=count, min=MIN_OPTIONS, max=MAX_OPTIONS)
        zh = core.settings.locale.default == "zh"
        options = [p.name_zh if zh else p.name_en for p in framework.principles]
        return options, [p.id for p in framework.principles], None
    if request.indicator is not None:
        framework = await load_framework(core)
        found = framework.indicator(request.indicator)
        if found is None:
            known = ", ".join(i.id for i in framework.indicators)
            raise UsageError(
                "rate", "index_unknown_indicator_round", indicator=request.indicator, known=known
            )
        return list(request.options), [], found.id
    return list(request.options), [], None


async def add_opening_posts(session: Session, round_: Round, community_ids: Sequence[int]) -> None:
    """Owe each community the round's opening (and, for a native poll, which has no room for
    it, a note on how votes are used, sent as its own post)."""
    await session.add_posts(round_.id, "open", community_ids)
    if round_.is_poll:
        await session.add_posts(round_.id, "note", community_ids)


async def _close(
    core: Core, session: Session, round_: Round, now: datetime
) -> tuple[bool, Round | None]:
    """Close an open round: owe a summary to each community that was asked, and the report.
    Whether it closed now, and the next occurrence stored if it recurs."""
    if not await session.set_round_state(round_.id, "closed", now, expect="open"):
        return False, None
    communities = await session.list_round_communities(round_.id)
    # Only communities that were asked get a summary: a window that passed entirely while the
    # bot was down was never announced, and a result for a question nobody saw misleads.
    asked = {p.community_id for p in await session.list_posts(round_.id, "open")}
    await session.add_posts(round_.id, "close", [c.id for c in communities if c.id in asked])
    # The organisers' report rides on the outbox too (one row, keyed by a community of the
    # round) so that a crash after the summaries neither loses nor repeats it.
    holder = next((c for c in communities if c.active), communities[0] if communities else None)
    if holder is not None:
        await session.add_posts(round_.id, "report", [holder.id])
    # Read again after the guarded change: an organiser may have stopped the series since
    # `round_` was read (`stop_series` clears an open occurrence's expression).
    current = await session.get_round(round_.id)
    if current is not None and current.cron:
        return True, await _schedule_recurrence(core, session, current, now)
    return True, None


async def _schedule_recurrence(
    core: Core, session: Session, round_: Round, now: datetime
) -> Round | None:
    """Store the next occurrence of a recurring round that closed or was cancelled (once:
    those transitions are guarded), and return it.

    After downtime the next occurrence is the latest firing whose window is still open, opened
    late by the next tick, else the next firing to come: missed firings never pile up. The
    latest, not the earliest: a round open longer than its expression's interval (daily, 48h)
    had firings while it was open, and the earliest of them would reopen with half its window
    gone (open a day, not the two the organiser asked for).
    """
    assert round_.cron is not None
    length = round_.closes_at - round_.opens_at
    zone = core.settings.schedule.tz
    try:
        # Real time from here on, as in create_round.
        opens_at = next_fire(round_.cron, max(now - length, round_.opens_at), zone).astimezone(UTC)
    except ValueError as exc:
        # The parser refuses such expressions; one stored before it did must still let its
        # round close (a raise here would roll the closing back on every tick).
        log.error("round %s: no next occurrence (%s); the series ends here", round_.id, exc)
        return None
    while opens_at <= now:
        try:
            later = next_fire(round_.cron, opens_at, zone).astimezone(UTC)
        except ValueError:
            break  # it fires no more after this one: that one opens late
        if later > now:
            break
        opens_at = later
    communities = await session.list_round_communities(round_.id)
    return await session.add_round(
        kind=round_.kind,
        state="scheduled",
        question=round_.question,
        community_ids=[c.id for c in communities],
        opens_at=opens_at,
        closes_at=opens_at + length,
        reminder_at=_reminder_at(core, opens_at, opens_at + length),
        created_by="cron",
        at=now,
        options=round_.options,
        multi=round_.multi,
        anonymous=round_.anonymous,
        cron=round_.cron,
        recurrence_of=round_.recurrence_of or round_.id,
        principles=round_.principles,
        indicator=round_.indicator,
        topics=await session.get_round_topics(round_.id),
    )


async def close_round(core: Core, round_id: int, *, turn: Turn | None = None) -> RoundChanged:
    """Close an open round now (owing each community a closing post); an occurrence of a
    recurring round stores the next one."""
    now = core.now()
    async with core.transaction(turn) as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            raise RoundError("round_not_found", id=round_id)
        if round_.state == "scheduled":
            opens = local_minute(round_.opens_at, core.settings.schedule.tz)
            raise RoundError("round_close_scheduled", id=round_id, opens=opens)
        if round_.state != "open":
            raise RoundError("round_not_open", id=round_id)
        await session.set_round_closes_at(round_id, now)
        _closed, following = await _close(core, session, round_, now)
        closed = await session.get_round(round_id)
    assert closed is not None
    core.owe_posts()
    return RoundChanged(round=closed, next=following)


async def cancel_round(core: Core, round_id: int, *, turn: Turn | None = None) -> RoundChanged:
    """Cancel a scheduled round (it never opens). An occurrence of a recurring round is
    skipped, not the series: the next occurrence is stored (`stop_series` ends a series)."""
    now = core.now()
    async with core.transaction(turn) as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            raise RoundError("round_not_found", id=round_id)
        if not await session.set_round_state(round_id, "cancelled", now, expect="scheduled"):
            # Read again: the scheduler may have opened it since it was read above.
            current = await session.get_round(round_id)
            if current is not None and current.state == "open":
                key = "round_cancel_open_series" if current.cron else "round_cancel_open"
                raise RoundError(key, id=round_id)
            raise RoundError("round_not_scheduled", id=round_id)
        following = None
        if round_.cron:
            following = await _schedule_recurrence(core, session, round_, now)
        cancelled = await session.get_round(round_id)
    assert cancelled is not None
    return RoundChanged(round=cancelled, next=following)


async def stop_series(core: Core, round_id: int, *, turn: Turn | None = None) -> RoundChanged:
    """Stop the recurring series `round_id` belongs to (any occurrence of it names it): its
    scheduled occurrence is cancelled, or its open one closes on time and recurs no more."""
    now = core.now()
    async with core.transaction(turn) as session:
        round_ = await session.get_round(round_id)
        if round_ is None:
            raise RoundError("round_not_found", id=round_id)
        if round_.cron is None and round_.recurrence_of is None:
            raise RoundError("round_not_recurring", id=round_id)
        series = round_.recurrence_of or round_.id
        # The scheduler may open or close the occurrence between the read and the change
        # (PostgreSQL, another process): then the occurrence it stored is the one to stop.
        for _ in range(3):
            live = await session.get_live_occurrence(series)
            if live is None:
                raise RoundError("round_series_ended", id=round_id)
            if live.state == "scheduled":
                stopped = await session.set_round_state(
                    live.id, "cancelled", now, expect="scheduled"
                )
            else:
                stopped = await session.end_round_series(live.id)
            if stopped:
                changed = await session.get_round(live.id)
                assert changed is not None
                log.info("round %s: series %s stopped", changed.id, series)
                return RoundChanged(round=changed, series_stopped=True)
    raise RoundError("round_series_ended", id=round_id)


async def advance_due_rounds(core: Core, now: datetime | None = None) -> int:
    """Do every transition that fell due (also those missed while the bot was down), once.

    A scheduled round whose window already passed is opened and closed at once (its posts
    still say so); one inside its window opens late. Returns how many transitions happened.
    """
    now = now or core.now()
    done = 0
    async with core.repo.transaction() as session:
        due = await session.list_due_rounds(now)
    for round_ in due:
        try:
            done += await _advance_round(core, round_.id, now)
        except Exception as exc:
            # One round that cannot advance (rolled back, retried next tick) must not hold
            # back the rounds after it.
            log.error(
                "advancing round %s failed; retrying on the next tick: %s", round_.id, failure(exc)
            )
    if done:
        core.owe_posts()
    return done


async def _advance_round(core: Core, round_id: int, now: datetime) -> int:
    """The transitions of one round that fell due, in one transaction; how many happened."""
    done = 0
    async with core.repo.transaction() as session:
        current = await session.get_round(round_id)
        if current is None:
            return 0
        if current.state == "scheduled" and current.opens_at <= now:
            if await session.set_round_state(current.id, "open", now, expect="scheduled"):
                # A window that passed entirely while the bot was down is closed without
                # first inviting answers nobody could give.
                if current.closes_at > now:
                    communities = await session.list_round_communities(current.id)
                    await add_opening_posts(session, current, [c.id for c in communities])
                    if current.reminder_at is not None and current.reminder_at <= now:
                        # Opened late, past its reminder time: the opening is the reminder.
                        await session.clear_round_reminder(current.id)
                done += 1
            current = await session.get_round(current.id)
            assert current is not None
        if current.state == "open" and current.closes_at <= now:
            closed, _next = await _close(core, session, current, now)
            if closed:
                done += 1
        elif (
            current.state == "open"
            and current.reminder_at is not None
            and current.reminder_at <= now
        ):
            communities = await session.list_round_communities(current.id)
            await session.add_posts(current.id, "reminder", [c.id for c in communities])
            await session.clear_round_reminder(current.id)
            done += 1
    return done


#: /rounds lists at most this many rounds (newest first) and says how many older ones it left
#: out: sixty lines take two Telegram messages; thousands would flood the chat.
LISTED_ROUNDS = 100


class ListedRound(BaseModel):
    """A round in /rounds, with the names of the communities it was put to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    round: Round
    communities: list[str]


class RoundListing(BaseModel):
    """What /rounds shows: the rounds listed, and how many older ones were left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rounds: list[ListedRound]
    more: int = 0


async def list_recent_rounds(
    core: Core, community_id: int | None, closed_days: int = 14, limit: int = LISTED_ROUNDS
) -> RoundListing:
    """Scheduled and open rounds, and those closed in the last `closed_days` days, newest
    first: the first `limit`, and the count of the rest (they were cut silently at 30)."""
    since = core.now() - timedelta(days=closed_days)
    async with core.repo.transaction() as session:
        active = await session.list_rounds(community_id=community_id, states=("scheduled", "open"))
        # Rounds close within a year of opening, so only the latest few hundred can be recent.
        closed = await session.list_rounds(community_id=community_id, states=("closed",), limit=500)
        recent = active + [r for r in closed if r.closed_at is not None and r.closed_at >= since]
        recent.sort(key=lambda r: (r.opens_at, r.id), reverse=True)
        shown = recent[:limit]
        ids = await session.list_round_community_ids([r.id for r in shown])
        names = {c.id: c.name for c in await session.list_communities()}
    listed = [
        ListedRound(round=r, communities=sorted(names[c] for c in ids[r.id] if c in names))
        for r in shown
    ]
    return RoundListing(rounds=listed, more=len(recent) - len(shown))
