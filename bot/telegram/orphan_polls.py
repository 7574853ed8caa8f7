"""The search for a round's poll that Telegram took but the bot never stored (the orphan).

A poll whose send Telegram accepted just before a crash or a lost answer is open in its group
with an id the database never learned; the outbox sends the round's poll again (or closes the
round) and owes that community an `orphan` post, which `look_for_orphan` works off: it stops
the bot's messages below the copy one by one until it finds the earlier poll, stores it as
the round's and counts what was cast in it (bot/core/answers.py `adopt_orphan_poll`).
bot/telegram/outbox.py calls it within its pass, and handlers/answers.py reads a stopped poll's
update with `stopped_poll`.
"""

from __future__ import annotations

import logging

from telegram import Bot, Poll
from telegram.error import BadRequest, TelegramError

from bot.core.answers import StoppedPoll, adopt_orphan_poll
from bot.core.base import Core
from bot.core.models import Post, Round
from bot.core.privacy import chat_label
from bot.core.reports import build_round_report
from bot.render.report import render_community_summary
from bot.telegram.flood import must_wait

# The search runs within the outbox's pass, and its lines keep the name operators know it by.
log = logging.getLogger("bot.telegram.outbox")

# A re-sent poll's earlier copy is looked for below the copy, down to the bot's last post in
# that chat stored before the round opened (the earlier copy came after it), this many
# message ids a pass at most: each look is a stopPoll, which counts towards the group's 20
# messages a minute, and a chat that had its minute is looked at again on a later pass.
ORPHAN_SEARCH = 15
# ... and this many ids below the copy in all. What lies between the two copies is what the
# group wrote while the bot could not reach Telegram or was down (a restart takes seconds, a
# network outage minutes): 200 messages is a busy group's quarter of an hour, and looking at
# them costs ten minutes of the group's messages at most (spread over passes, so residents'
# replies still go). Where the search stops short of the bot's last post it says so, with
# what to do, in a warning: the earlier copy, if any, is left open there.
ORPHAN_SEARCH_MAX = 200


def _search_top(posts: list[Post]) -> int | None:
    """The message the search for a poll's earlier copy looks below: the poll's copy, or the
    closing summary of a round whose poll was never stored as sent."""
    for purpose in ("open", "close"):
        sent = [p.message_id for p in posts if p.purpose == purpose and p.message_id is not None]
        if sent:
            return sent[0]
    return None


async def look_for_orphan(core: Core, bot: Bot, search: Post, round_: Round) -> str:
    """Look for the earlier copy of a round's poll (the orphan) in one community, owed by
    `search` (an `orphan` post, owed when its poll was sent again or its round closed while
    it was being sent): "deferred" if the search goes on in a later pass, else "sent".

    That earlier poll, Telegram took just before a crash or a lost answer, its id never
    stored, would stay open beside its copy (or the closing summary), its votes matched to
    nothing, since a poll answer names only its poll. Each message id below the copy that is
    not a stored post is stopped, the closest first, down to the bot's last post there stored
    before the round opened (ORPHAN_SEARCH_MAX ids at most, ORPHAN_SEARCH a pass): Telegram
    stops only the bot's own open polls (anything else is refused, and changes nothing). The
    first of this round's question and options is the orphan, stored as the round's poll in
    that community (purpose `orphan`) and what was cast in it counted (bot/core/answers.py
    `adopt_orphan_poll`); an anonymous poll's final totals add to the copy's, since Telegram
    tells nobody who voted in both. How far it looked is stored after each look, so a crash
    or a network error goes on from there; the one look whose answer is lost (Telegram
    stopped the orphan, the bot never learned it) is made good by the update Telegram sends
    for a stopped poll (bot/core/answers.py `adopt_stopped_poll`)."""
    async with core.repo.transaction() as session:
        posts = [
            p for p in await session.list_posts(round_.id) if p.community_id == search.community_id
        ]
        known = await session.list_chat_message_ids(search.chat_id)
        # Posts sent before the round opened went out before its poll's first send; posts
        # sent since may have gone between the two copies (a chat's posts go by round: an
        # earlier round's summary comes before the copy on the pass that sends it).
        before = await session.list_chat_message_ids(
            search.chat_id, round_.opened_at or round_.opens_at
        )
    if search.poll_id is not None:
        return await _found_by_update(core, bot, search, round_)
    top = _search_top(posts)
    where = chat_label(search.chat_id, core.secret)
    if top is None:  # nothing of the round's was sent there: nothing to look below
        async with core.repo.transaction() as session:
            await session.end_orphan_search(round_.id, search.community_id, core.now())
        return "sent"
    floor = max((k for k in before if k < top), default=0)
    bottom = max(floor, top - 1 - ORPHAN_SEARCH_MAX)
    looks = 0
    for candidate in range(top - 1 - search.attempts, bottom, -1):
        if candidate not in known:
            if looks >= ORPHAN_SEARCH or must_wait(bot, search.chat_id):
                return "deferred"
            looks += 1
            found = await _stop_candidate(core, bot, search, round_, candidate)
            if found == "deferred":
                return "deferred"
            if found == "found":
                return "sent"
        async with core.repo.transaction() as session:
            going_on = await session.set_orphan_search_progress(
                round_.id, search.community_id, top - candidate
            )
        if not going_on:  # found meanwhile, from Telegram's update
            return await _found_by_update(core, bot, search, round_)
    async with core.repo.transaction() as session:
        await session.end_orphan_search(round_.id, search.community_id, core.now())
        waiting = await session.count_stray_poll_votes()
    if bottom > floor:
        log.warning(
            "round %s: the earlier copy of its poll was not found in chat %s among the %s "
            "messages below its copy (the search stops there; %s vote(s) kept for polls not "
            "found wait, deleted with retention): if a group admin sees a second open poll of "
            "round %s there, deleting it stops its votes from misleading anyone",
            round_.id,
            where,
            top - 1 - bottom,
            waiting,
            round_.id,
        )
    else:
        log.info("round %s: no earlier copy of its poll in chat %s", round_.id, where)
    return "sent"


async def _found_by_update(core: Core, bot: Bot, search: Post, round_: Round) -> str:
    """The orphan was found from the update Telegram sent when the search stopped it (the
    search lost that answer): the search ends, and a closed round's summary shows what was
    counted of it."""
    async with core.repo.transaction() as session:
        await session.end_orphan_search(round_.id, search.community_id, core.now())
        state = await session.get_round(round_.id)
    if state is not None and state.state == "closed":
        await _refresh_summary(core, bot, search, round_)
    return "sent"


async def _stop_candidate(
    core: Core, bot: Bot, search: Post, round_: Round, candidate: int
) -> str | None:
    """Stop message `candidate`: "found" if it was the round's earlier poll (stored, its votes
    counted), "deferred" on a passing failure, else None."""
    where = chat_label(search.chat_id, core.secret)
    try:
        poll = await bot.stop_poll(search.chat_id, candidate)
    except BadRequest:
        return None  # not a poll, not the bot's, stopped already, or no such message
    except TelegramError as exc:
        log.info("round %s: looking for its earlier poll in chat %s: %s", round_.id, where, exc)
        return "deferred"
    if poll.question != round_.question or [o.text for o in poll.options] != round_.options:
        log.warning("round %s: stopped another poll of the bot's in chat %s", round_.id, where)
        return None
    stopped = stopped_poll(poll)
    async with core.repo.transaction() as session:
        counted = await adopt_orphan_poll(
            core, session, round_, search.community_id, candidate, stopped
        )
        state = await session.get_round(round_.id)
    log.warning(
        "round %s: its poll Telegram took before a crash was found in chat %s and closed; "
        "%s votes cast in it so far counted",
        round_.id,
        where,
        counted or 0,
    )
    if counted and state is not None and state.state == "closed":
        await _refresh_summary(core, bot, search, round_)
    return "found"


async def _refresh_summary(core: Core, bot: Bot, search: Post, round_: Round) -> None:
    """The community's closing summary, sent before its poll's first copy was found, edited to
    the figures that count it: the organisers' report, built after it, shows the same."""
    async with core.repo.transaction() as session:
        close = [
            p
            for p in await session.list_posts(round_.id, "close")
            if p.community_id == search.community_id and p.message_id is not None
        ]
    report = await build_round_report(core, round_.id)
    if not close or report is None:
        return
    text = render_community_summary(report, search.community_name, core.settings.locale.default)
    assert close[0].message_id is not None
    try:
        await bot.edit_message_text(text, search.chat_id, close[0].message_id)
    except TelegramError as exc:
        if isinstance(exc, BadRequest) and "not modified" in exc.message.lower():
            # What was found changed none of its figures (nobody voted there, or too late
            # to count): the summary is up to date as it is.
            return
        where = chat_label(search.chat_id, core.secret)
        log.warning(
            "round %s: its summary in chat %s not brought up to date: %s", round_.id, where, exc
        )


def stopped_poll(poll: Poll) -> StoppedPoll:
    """What a stopped poll Telegram returned (stopPoll, or a closed poll's update) says."""
    return StoppedPoll(
        poll_id=poll.id,
        question=poll.question,
        options=[o.text for o in poll.options],
        counts=[o.voter_count for o in poll.options],
        voters=poll.total_voter_count,
    )
