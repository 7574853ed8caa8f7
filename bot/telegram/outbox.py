"""Sending what rounds owe communities (the outbox) through the Telegram Bot API.

Transitions store their posts first (bot/core/rounds.py); this module sends each unsent one and
marks it sent, so a crash re-sends only what Telegram never accepted (see `send_owed_posts` for
the one residual window). The organisers' full report is owed the same way (purpose `report`),
so a crash after the last community's summary does not lose it. Telegram faults:
RetryAfter and network errors leave the post for the next pass; a bot removed from a group
(403) marks the community inactive; a group that became a supergroup moves the community.
A poll Telegram took without the bot learning its id is looked for within the pass
(bot/telegram/orphan_polls.py).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram import Bot, ReplyParameters
from telegram.constants import PollType
from telegram.error import BadRequest, Forbidden

from bot.core.answers import count_stray_votes
from bot.core.base import Core
from bot.core.durations import local_minute
from bot.core.models import Post, Round
from bot.core.privacy import chat_label
from bot.core.reports import Report, build_round_report
from bot.core.roles import note_missed_report, organiser_languages
from bot.core.rounds import opened_late
from bot.render.report import render_community_summary, render_report
from bot.render.texts import Lang, say
from bot.telegram.background import OwedSender
from bot.telegram.delivery import deliver
from bot.telegram.flood import deferring, must_wait
from bot.telegram.keyboards import rating_keyboard
from bot.telegram.orphan_polls import look_for_orphan
from bot.telegram.sending import send_text

log = logging.getLogger(__name__)

# A post Telegram keeps refusing (BadRequest) is given up after this many attempts.
MAX_POST_ATTEMPTS = 5


def start_link(bot: Bot, round_id: int, community_id: int) -> str:
    """The deep link that starts a private answer to a round (the bot's username is known
    once PTB has initialised the bot with getMe)."""
    return f"https://t.me/{bot.username}?start=r{round_id}c{community_id}"


def _when(core: Core, round_: Round) -> str:
    return local_minute(round_.closes_at, core.settings.schedule.tz)


def _late(core: Core, round_: Round, lang: Lang) -> str:
    """The opening's line saying when a round that opened late was due ("" if on time)."""
    if not opened_late(round_):
        return ""
    return say(
        "open_post_late", lang, opens=local_minute(round_.opens_at, core.settings.schedule.tz)
    )


async def _send_open(
    core: Core, bot: Bot, post: Post, round_: Round, lang: Lang
) -> tuple[int, str | None]:
    closes = _when(core, round_)
    if round_.is_poll:
        message = await bot.send_poll(
            chat_id=post.chat_id,
            question=round_.question,
            options=round_.options,
            is_anonymous=round_.anonymous,
            allows_multiple_answers=round_.multi,
            type=PollType.REGULAR,
            message_thread_id=post.topic,
        )
        assert message.poll is not None
        return message.message_id, message.poll.id
    if round_.kind == "rating":
        text = say(
            "open_post_rating",
            lang,
            id=round_.id,
            question=round_.question,
            closes=closes,
            late=_late(core, round_, lang),
        )
        message = await bot.send_message(
            post.chat_id,
            text,
            reply_markup=rating_keyboard(round_.id),
            message_thread_id=post.topic,
        )
        return message.message_id, None
    text = say(
        "open_post_text",
        lang,
        id=round_.id,
        question=round_.question,
        link=start_link(bot, round_.id, post.community_id),
        closes=closes,
        late=_late(core, round_, lang),
    )
    message = await bot.send_message(post.chat_id, text, message_thread_id=post.topic)
    return message.message_id, None


async def _poll_never_stored(core: Core, post: Post) -> bool:
    """Whether the round's poll in `post`'s community was being sent when the round closed,
    never stored as sent (dropped as too late, `_Pass.one`): Telegram may have taken an
    earlier send, a poll left open beside the closing summary unless it is looked for."""
    async with core.repo.transaction() as session:
        opening = await session.list_posts(post.round_id, "open")
    return any(
        p.community_id == post.community_id and p.message_id is None and p.attempts > 0
        for p in opening
    )


async def _reply_to_opening(core: Core, post: Post) -> ReplyParameters | None:
    """Reply parameters pointing at the community's opening post of the round, if sent."""
    async with core.repo.transaction() as session:
        opening = [
            p
            for p in await session.list_posts(post.round_id, "open")
            if p.community_id == post.community_id
        ]
    if opening and opening[0].message_id is not None:
        return ReplyParameters(message_id=opening[0].message_id, allow_sending_without_reply=True)
    return None


async def _send_reminder(core: Core, bot: Bot, post: Post, round_: Round, lang: Lang) -> int:
    text = say(
        "reminder_post", lang, id=round_.id, question=round_.question, closes=_when(core, round_)
    )
    reply = await _reply_to_opening(core, post)
    message = await bot.send_message(
        post.chat_id, text, reply_parameters=reply, message_thread_id=post.topic
    )
    return message.message_id


async def _send_poll_note(core: Core, bot: Bot, post: Post, round_: Round, lang: Lang) -> int:
    visibility = say("poll_anonymous" if round_.anonymous else "poll_public", lang)
    async with core.repo.transaction() as session:
        found = [
            p
            for p in await session.list_posts(post.round_id, "orphan")
            if p.community_id == post.community_id and p.poll_id is not None
        ]
    if found:
        # Its first copy was found (and closed) once the copy was sent: who voted there is
        # told their vote counts, and, in an anonymous poll, that a second vote would count
        # twice (Telegram tells nobody who voted in both).
        earlier = "poll_earlier_anonymous" if round_.anonymous else "poll_earlier_public"
        visibility = f"{visibility}\n{say(earlier, lang)}"
    text = say(
        "open_post_poll_note",
        lang,
        id=round_.id,
        closes=_when(core, round_),
        visibility=visibility,
        late=_late(core, round_, lang),
    )
    reply = await _reply_to_opening(core, post)
    message = await bot.send_message(
        post.chat_id, text, reply_parameters=reply, message_thread_id=post.topic
    )
    return message.message_id


async def _stop_voting(core: Core, bot: Bot, post: Post, round_: Round) -> bool:
    """Stop the community's poll, or take the rating buttons off its message; True if this
    stored an anonymous poll's final totals (those Telegram returns on stopping it)."""
    if round_.kind == "text":
        return False
    stored = False
    async with core.repo.transaction() as session:
        opening = [
            p
            for p in await session.list_posts(round_.id, "open")
            if p.community_id == post.community_id and p.message_id is not None
        ]
    for p in opening:
        assert p.message_id is not None
        try:
            if round_.is_poll:
                poll = await bot.stop_poll(post.chat_id, p.message_id)
                if round_.anonymous and p.poll_id is not None:
                    # Votes cast between the round's closing and this stop reached Telegram
                    # but no tally update the bot accepts (the round is closed): the totals
                    # returned here are the final ones.
                    async with core.repo.transaction() as session:
                        await session.set_poll_tally(
                            p.poll_id,
                            [o.voter_count for o in poll.options],
                            poll.total_voter_count,
                        )
                    stored = True
            else:
                await bot.edit_message_reply_markup(post.chat_id, p.message_id, reply_markup=None)
        except BadRequest as exc:  # already stopped (a re-sent close), or deleted by an admin
            where = chat_label(post.chat_id, core.secret)
            log.info("stopping the votes of round %s in chat %s: %s", round_.id, where, exc)
    return stored


async def _send_close(
    core: Core, bot: Bot, post: Post, round_: Round, lang: Lang, report: Report
) -> int:
    messages = await send_text(
        bot,
        post.chat_id,
        render_community_summary(report, post.community_name, lang),
        message_thread_id=post.topic,
    )
    return messages[0].message_id


async def _send_report(core: Core, bot: Bot, report: Report) -> None:
    """The full report, privately to every organiser in their language (remembered from their
    last command, else locale.default); one who never started the bot (or blocked it) is
    skipped, and the miss remembered: their next command in a group says how to get it.
    Languages are read at each attempt: a re-sent report (after a crash) reads them again."""
    texts: dict[Lang, str] = {}
    for organiser, lang in (await organiser_languages(core)).items():
        if lang not in texts:
            texts[lang] = render_report(report, lang, core.settings.schedule.tz)
        try:
            await send_text(bot, organiser, texts[lang])
        except (Forbidden, BadRequest) as exc:
            log.info(
                "organiser %s cannot receive the report: %s",
                chat_label(organiser, core.secret),
                type(exc).__name__,
            )
            if report.id is not None:
                await note_missed_report(core, organiser, report.id)


async def _mark_sent(
    core: Core,
    post: Post,
    message_id: int | None,
    poll_id: str | None = None,
    *,
    search: bool = False,
) -> None:
    """Store `post` as sent; with `search`, owe the search for its round's poll's earlier copy
    in the same transaction (a crash after this goes on looking, never sends a third copy)."""
    async with core.repo.transaction() as session:
        if poll_id is not None:
            await session.hold_stray_votes()
        await session.set_post_sent(
            post.round_id, post.community_id, post.purpose, core.now(), message_id, poll_id
        )
        if search:
            await session.owe_orphan_search(post.round_id, post.community_id)
        if poll_id is not None:
            await count_stray_votes(core, session, poll_id)


async def _send_post(
    core: Core, bot: Bot, post: Post, round_: Round, reports: _Reports
) -> tuple[int | None, str | None]:
    """Send one owed post; (message id, poll id) of what Telegram accepted. A post for a
    forum topic that is gone (deleted since) goes to the group's main thread instead."""
    if post.topic is not None:
        try:
            return await _send_post_once(core, bot, post, round_, reports)
        except BadRequest as exc:
            if "thread not found" not in str(exc).lower():
                raise
            log.info("round %s: its topic is gone, posting in the main thread", round_.id)
            post = post.model_copy(update={"topic": None})
    return await _send_post_once(core, bot, post, round_, reports)


async def _send_post_once(
    core: Core, bot: Bot, post: Post, round_: Round, reports: _Reports
) -> tuple[int | None, str | None]:
    lang = core.settings.locale.default
    if post.purpose == "open":
        return await _send_open(core, bot, post, round_, lang)
    if post.purpose == "note":
        return await _send_poll_note(core, bot, post, round_, lang), None
    if post.purpose == "reminder":
        return await _send_reminder(core, bot, post, round_, lang), None
    # Closing posts and the organisers' report: the poll is stopped first (its final totals
    # go into the report), then the report is built before the summary is sent, so the time
    # between Telegram accepting a message and `_mark_sent` stays as short as it can be (see
    # send_owed_posts).
    since = 0
    if post.purpose == "close" and await _stop_voting(core, bot, post, round_):
        since = reports.stopped(round_.id)
    report = await reports.get(round_.id, since)
    if post.purpose == "close":
        return await _send_close(core, bot, post, round_, lang, report), None
    await _send_report(core, bot, report)
    return None, None


class _Reports:
    """The reports one pass builds for closing summaries and organisers' reports, each built
    as few times as it can be. The lines closing a round in forty groups at once share a build:
    each line building its own (41 builds of a 3,200-answer report when a round closed in
    forty groups) kept the event loop, and so every chat, waiting for seconds. A build is
    shared only by the lines whose poll was stopped before it began: a summary must count its
    own poll's final totals."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._stops: dict[int, int] = {}  # polls of each round stopped in this pass
        self._builds: dict[int, tuple[int, asyncio.Task[Report]]] = {}

    def stopped(self, round_id: int) -> int:
        """One of the round's polls was stopped; what `get` must be given for a report that
        counts its final totals."""
        self._stops[round_id] = self._stops.get(round_id, 0) + 1
        return self._stops[round_id]

    async def get(self, round_id: int, since: int = 0) -> Report:
        """The round's report, built after its `since`-th stopped poll at the earliest."""
        build = self._builds.get(round_id)
        if build is None or build[0] < since or _failed(build[1]):
            build = (self._stops.get(round_id, 0), asyncio.ensure_future(self._build(round_id)))
            self._builds[round_id] = build
        return await build[1]

    def forget(self) -> None:
        """Reports built so far are built again when next needed."""
        self._builds.clear()

    async def _build(self, round_id: int) -> Report:
        built = await build_round_report(self._core, round_id)
        assert built is not None
        return built


def _failed(task: asyncio.Task[Report]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


async def send_owed_posts(core: Core, bot: Bot, index_poster: OwedSender | None = None) -> int:
    """Send every post owed and not yet sent; return how many were sent. The index scorecards
    owed (`/index post`) are sent in the background by `index_poster`, if given, started here.

    Each chat's posts go in order on their own line, the chats' lines side by side: a group
    Telegram makes the bot wait for (a flood wait, its 20 messages a minute, a slow or failing
    connection) holds up only its own posts, never the other communities' (SPEC §9). A line
    that meets a flood wait or a network error, or whose group had its 20 messages this minute,
    ends there, its posts left owed for the next pass: a pass never waits for one chat, since
    the posts owed meanwhile to other chats wait for the pass. The organisers' reports go last,
    once every community's closing post of their round was sent (the closing posts stop the
    polls, whose final totals the report counts).

    Each post is marked as started (`attempts`) before its send and as sent right after
    Telegram accepted it, with nothing in between. Residual risk, which Telegram's API gives no
    way to close (no idempotency key, no reading of chat history): a crash, or a lost response
    (`drop_after`, a timeout), after Telegram accepted a message but before `_mark_sent`
    committed makes the next pass send it again, once, logged as a possible duplicate. We
    prefer that to the opposite order (mark, then send), which would lose the post for good.
    What residents do with the first copy still counts: a press or reply on it adopts it as
    the post (bot/core/answers.py `_adopt_unconfirmed`), and a re-sent poll finds and closes
    its first copy, whose votes count (bot/telegram/orphan_polls.py `look_for_orphan`).
    """
    if index_poster is not None:
        index_poster.kick(retry=True)
    pass_ = _Pass(core, bot)
    async with core.post_lock:
        # Everything owed so far is listed now: the flag says what a transition owed since
        # (left set by the scheduler's transitions, it made every later reply wait for round
        # posts it did not owe, bot/telegram/intake.py `_after_commit`).
        core.posts_owed.clear()
        async with core.repo.transaction() as session:
            posts = await session.list_unsent_posts()
        lines: dict[int, list[Post]] = {}
        for post in posts:
            if post.purpose != "report":
                lines.setdefault(post.chat_id, []).append(post)
        await asyncio.gather(*(pass_.line(line) for line in lines.values()))
        if not pass_.migrated:
            # Built again: a report built on a line may predate another line's stopped poll.
            pass_.forget_reports()
            reports = [p for p in posts if p.purpose == "report" and p.round_id not in pass_.held]
            for post in reports:
                if await pass_.one(post) in ("migrated", "deferred"):
                    break
    if pass_.migrated:
        # The migrated community's posts go to its new chat id on a fresh pass.
        pass_.sent += await send_owed_posts(core, bot)
    return pass_.sent


class _Pass:
    """One pass over the posts owed: what it sent, and which rounds it left posts owed of."""

    def __init__(self, core: Core, bot: Bot) -> None:
        self.core, self.bot = core, bot
        self.sent = 0
        self.migrated = False
        # Rounds with a post left owed by a flood wait, network error or migration.
        self.held: set[int] = set()
        self._rounds: dict[int, Round | None] = {}
        self._reports = _Reports(core)

    def forget_reports(self) -> None:
        """Reports built so far are built again when next needed."""
        self._reports.forget()

    async def _round(self, round_id: int) -> Round | None:
        if round_id not in self._rounds:
            async with self.core.repo.transaction() as session:
                self._rounds[round_id] = await session.get_round(round_id)
        return self._rounds[round_id]

    async def line(self, posts: list[Post]) -> None:
        """One chat's posts in order, until one is left owed by a passing failure."""
        for index, post in enumerate(posts):
            if await self.one(post) in ("migrated", "deferred"):
                self.held.update(p.round_id for p in posts[index:])
                return

    async def one(self, post: Post) -> str | None:
        """Send one post; its delivery status (None if its round is gone)."""
        core = self.core
        round_ = await self._round(post.round_id)
        if round_ is None:
            return None
        if post.purpose in ("open", "note", "reminder") and round_.state != "open":
            # Telegram was unreachable until after the round closed: inviting answers now
            # would only mislead; the closing summary still goes out.
            log.info(
                "round %s is %s: its %s post is dropped", round_.id, round_.state, post.purpose
            )
            await _mark_sent(core, post, None)
            return None
        if post.purpose != "report" and must_wait(self.bot, post.chat_id):
            # Telegram asked this chat to wait, or its group had its 20 messages this minute:
            # left owed (no attempt counted) for a tick once it may be sent, so that this pass
            # never holds up what other chats are owed meanwhile (SPEC §9).
            return "deferred"
        if post.purpose == "orphan":
            with deferring():
                return await look_for_orphan(core, self.bot, post, round_)
        async with core.repo.transaction() as session:
            attempts = await session.add_post_attempt(
                post.round_id, post.community_id, post.purpose
            )
        if attempts == 0:
            return None  # stored as sent meanwhile (a press showed Telegram had it)
        if attempts > 1:
            log.warning(
                "re-sending the %s post of round %s to chat %s (attempt %s): if an earlier "
                "attempt reached Telegram just before a crash, this one is a duplicate",
                post.purpose,
                post.round_id,
                chat_label(post.chat_id, core.secret),
                attempts,
            )
        with deferring():
            delivery = await deliver(
                core,
                post.chat_id,
                f"the {post.purpose} post of round {post.round_id}",
                attempts=attempts,
                max_attempts=MAX_POST_ATTEMPTS,
                send=partial(_send_post, core, self.bot, post, round_, self._reports),
            )
        if delivery.status == "migrated":
            # Telegram refused the group's old id and sent nothing: the fresh pass to the new
            # id is this post's first attempt that may reach the chat, not a possible duplicate.
            async with core.repo.transaction() as session:
                await session.delete_post_attempt(post.round_id, post.community_id, post.purpose)
            self.migrated = True
        if delivery.status == "given_up":
            await _mark_sent(core, post, None)
        if delivery.status == "sent" and delivery.value is not None:
            message_id, poll_id = delivery.value
            search = round_.is_poll and (
                (post.purpose == "open" and attempts > 1)
                or (post.purpose == "close" and await _poll_never_stored(core, post))
            )
            await _mark_sent(core, post, message_id, poll_id, search=search)
            self.sent += 1
            if search:
                # Looked for at once, on this chat's line: before the poll's note, and
                # before the organisers' report of a round closed meanwhile.
                async with core.repo.transaction() as session:
                    owed = [
                        p
                        for p in await session.list_posts(post.round_id, "orphan")
                        if p.community_id == post.community_id and p.sent_at is None
                    ]
                if owed:
                    with deferring():
                        if await look_for_orphan(core, self.bot, owed[0], round_) == "deferred":
                            return "deferred"
        return delivery.status
