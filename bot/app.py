"""The composition root: the one place everything is wired.

`build_application` assembles the PTB Application: the ordered list of handlers, each command
wrapped so that a core error becomes its reply (handlers/errors.py). `run_application` starts it
with the scheduler and an intake (long polling or a webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from telegram import BotCommand, LinkPreviewOptions
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    JobQueue,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.core.answers import RateLimiter
from bot.core.base import Core, opened_core
from bot.core.privacy import chat_label
from bot.core.retag import record_snapshot_if_new, warn_if_retag_due
from bot.core.settings import Settings
from bot.logs import protect_logs
from bot.render.texts import say
from bot.scheduler import Scheduler
from bot.telegram.background import OwedSender
from bot.telegram.context import BotData, MinyiApp
from bot.telegram.digests import send_due_digest
from bot.telegram.flood import FloodLimiter
from bot.telegram.index_outbox import send_owed_index_posts
from bot.telegram.intake import (
    READ_MARGIN,
    Intake,
    MinyiBot,
    PlainPath,
    error_recorder,
    poll_updates,
)
from bot.telegram.keyboards import FORGET_PATTERN, LABEL_PATTERN, RATING_PATTERN
from bot.telegram.outbox import send_owed_posts
from bot.telegram.presses import PressRefusals
from bot.telegram.replies import ReplyQueue, refusals_counted_in
from bot.telegram.shared_flood import SharedFlood
from handlers import (
    answers,
    buttons,
    communities,
    edits,
    index,
    labelling,
    qr,
    reports,
    residents,
    rounds,
)
from handlers.errors import replying_to_errors
from storage.migrations import SchemaTooNew

# PTB 22.2+ warns (PTBDeprecationWarning) each time it reads a time period as whole seconds, as
# it does on every `429 retry_after` it raises; opting in to its timedelta periods ends that.
# `bot.telegram.sending.flood_wait` reads both forms, so an operator's own PTB_TIMEDELTA=false
# changes nothing but the warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)

# Plain new text messages skip PTB's object building (see bot/telegram/intake.py).
PLAIN_ANSWERS = PlainPath(
    read=answers.read_plain_answer,
    record=answers.record_plain_answers,
    prepare=answers.prepare_plain_answers,
)

ORGANISER_COMMANDS = {
    "community": communities.community,
    "ask": rounds.ask,
    "poll": rounds.poll,
    "rate": rounds.rate,
    "priorities": rounds.priorities,
    "index": index.index,
    "schedule": rounds.schedule,
    "rounds": rounds.rounds,
    "close": rounds.close,
    "cancel": rounds.cancel,
    "report": reports.report,
    "digest": reports.digest,
    "themes": reports.themes,
    "export": reports.export,
    "hide": reports.hide,
    "qr": qr.qr,
    "label": labelling.label,
}
RESIDENT_COMMANDS = {
    "start": residents.start,
    "help": residents.help_command,
    "privacy": residents.privacy,
    "mydata": residents.mydata,
    "forget": residents.forget,
}
MENU_COMMANDS = ("help", "privacy", "mydata", "forget")
# The residents' command menu, by Telegram language (`language_code` of setMyCommands):
# Telegram shows a user the list of their language, else the default list, so Chinese and
# English readers each get theirs and everyone else one bilingual list
# ("怎么参与 / how to take part").
MENUS: list[tuple[str | None, list[BotCommand]]] = [
    (
        None,
        [
            BotCommand(name, f"{say(f'menu_{name}', 'zh')} / {say(f'menu_{name}', 'en')}")
            for name in MENU_COMMANDS
        ],
    ),
    ("zh", [BotCommand(name, say(f"menu_{name}", "zh")) for name in MENU_COMMANDS]),
    ("en", [BotCommand(name, say(f"menu_{name}", "en")) for name in MENU_COMMANDS]),
]


def add_handlers(app: MinyiApp) -> None:
    """Register every handler, in the order PTB tries them (first match in a group wins)."""
    new_messages = filters.UpdateType.MESSAGE
    # Service messages first: a group migrating to a supergroup must move its community
    # before anything else is looked up by chat id.
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, communities.migration))
    app.add_handler(ChatMemberHandler(communities.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, residents.left))
    # Before any command is handled (group -1: PTB goes on to the command's own handler in
    # group 0), an organiser's Telegram language is remembered for their close reports.
    app.add_handler(
        MessageHandler(filters.COMMAND & new_messages, reports.remember_language), group=-1
    )
    # Commands only on new messages: editing an old /ask must not open a second round.
    # Each command's MinyiError becomes its reply in one place (handlers/errors.py).
    for name, callback in {**ORGANISER_COMMANDS, **RESIDENT_COMMANDS}.items():
        app.add_handler(CommandHandler(name, replying_to_errors(callback), filters=new_messages))
    # An edited command (one of ours: /ask@other_bot is not) is not run, but answered.
    app.add_handler(
        CommandHandler(
            [*ORGANISER_COMMANDS, *RESIDENT_COMMANDS],
            edits.edited_command,
            filters=filters.UpdateType.EDITED_MESSAGE,
        )
    )
    app.add_handler(CallbackQueryHandler(answers.rating_button, pattern=RATING_PATTERN))
    app.add_handler(CallbackQueryHandler(residents.forget_button, pattern=FORGET_PATTERN))
    app.add_handler(
        CallbackQueryHandler(replying_to_errors(labelling.label_button), pattern=LABEL_PATTERN)
    )
    # Any other press (data no keyboard of ours carries, or none) is answered all the same.
    app.add_handler(CallbackQueryHandler(buttons.dead_button))
    app.add_handler(PollAnswerHandler(answers.poll_answer))
    app.add_handler(PollHandler(answers.poll_state))
    app.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND,
            answers.edited_answer,
        )
    )
    # Last: any other new message (text or not) may be an answer.
    app.add_handler(
        MessageHandler(new_messages & ~filters.COMMAND & ~filters.StatusUpdate.ALL, answers.answer)
    )
    app.add_error_handler(error_recorder(app))


# How long a shutdown waits for owed replies before dropping them.
REPLY_DRAIN_SECONDS = 5.0

# Where PTB fetches files from unless telegram.base_file_url says otherwise.
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


def build_application(settings: Settings, core: Core, token: str) -> MinyiApp:
    """The PTB Application wired to `core`, without PTB's Updater (see bot/telegram/intake.py)."""
    protect_logs()  # PTB logs chat ids and texts at DEBUG; no record may keep them (SPEC §9)
    tls = httpx.create_ssl_context()  # httpx's default: certificates verified
    bot = MinyiBot(
        token,
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url or DEFAULT_FILE_URL,
        # What ApplicationBuilder would give: a big pool for sending, one connection polling;
        # both verify TLS with one context (each would build its own, reading the CA bundle).
        request=HTTPXRequest(connection_pool_size=256, httpx_kwargs={"verify": tls}),
        get_updates_request=HTTPXRequest(
            connection_pool_size=1, read_timeout=READ_MARGIN, httpx_kwargs={"verify": tls}
        ),
        # Telegram's flood limits: 30 messages/s overall, 20/min per group; a flood wait
        # honoured by the chat it was asked of alone (bot/telegram/flood.py). Several
        # processes on one PostgreSQL database keep them together (shared_flood.py).
        rate_limiter=FloodLimiter(
            shared=SharedFlood(core.repo, secret=core.secret) if core.repo.shared else None
        ),
        # No link previews: an address in a resident's quote would otherwise put a card, made
        # by whoever runs that site, into a report, a digest or a group's summary.
        defaults=Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)),
    )
    app: MinyiApp = (
        Application.builder()
        .bot(bot)
        .updater(None)
        .context_types(ContextTypes(bot_data=BotData))
        .build()
    )
    app.bot_data.core = core
    app.bot_data.limiter = RateLimiter(
        per_minute=settings.limits.answers_per_minute, clock=lambda: core.now().timestamp()
    )
    app.bot_data.replies = ReplyQueue(
        label=lambda chat_id: chat_label(chat_id, core.secret),
        clock=lambda: core.now().timestamp(),
        # Several processes share a PostgreSQL database (webhook mode): they share the cap.
        shared_cap=refusals_counted_in(core) if core.repo.shared else None,
    )
    app.bot_data.refused_presses = PressRefusals(clock=lambda: core.now().timestamp())
    # The background senders of round posts and scorecards (bot/telegram/background.py).
    app.bot_data.index_poster = OwedSender(
        core.index_posts_owed,
        functools.partial(send_owed_index_posts, core, bot),
        what="index scorecards",
    )
    app.bot_data.round_poster = OwedSender(
        core.posts_owed, functools.partial(send_owed_posts, core, bot), what="round posts"
    )
    if settings.web.listen:
        # The web pages (and aiohttp under them) are imported only when they are served.
        from bot.web.server import options_from, page_url

        web = options_from(settings)
        if web is not None:
            app.bot_data.page_link = functools.partial(page_url, core, web)
    add_handlers(app)
    return app


def schedule_ticks(job_queue: JobQueue[Any], scheduler: Scheduler, interval: float) -> None:
    """Run the scheduler's tick every `interval` seconds through PTB's JobQueue.

    The job only starts a tick (`Scheduler.tick_soon`, which skips while one still runs), so
    the APScheduler job is never found running. Coalescing and no misfire limit: ticks that a
    stalled event loop missed become one late tick, never a burst and never a warning.
    """
    job_queue.run_repeating(
        _start_tick,
        interval=interval,
        first=0.2,
        name="minyi-tick",
        data=scheduler,
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )


async def _start_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    assert context.job is not None and isinstance(context.job.data, Scheduler)
    context.job.data.tick_soon()


async def run_application(
    app: MinyiApp, core: Core, stop: asyncio.Event, intake: Intake | None = None
) -> None:
    """Start the app and its scheduler, take updates until `stop`, then shut down cleanly.

    With `web.listen` set, the web answer pages (bot/web) are served as long as the app runs:
    they start before the first update is taken and stop (requests in flight answered) before
    the app does. The scheduler ticks in every process but works only while this process
    leads (always with SQLite; with PostgreSQL one process at a time, see
    storage/backends/postgres.py).
    """
    async with app:
        # A menu is a convenience: set while the bot starts, never holding up its start. So
        # is the warning that stored tags predate the taxonomy or models in use.
        side = [asyncio.create_task(_set_menu(app))]
        try:
            if not await record_snapshot_if_new(core):
                side.append(asyncio.create_task(_warn_if_retag_due(core)))
            await _serve(app, core, stop, intake)
        finally:
            for task in side:
                task.cancel()
            for task in side:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _serve(app: MinyiApp, core: Core, stop: asyncio.Event, intake: Intake | None) -> None:
    """`run_application` once the app is initialised: scheduler, web pages, intake."""
    await app.start()
    caught_up = asyncio.Event()
    leadership = core.repo.leadership()
    bot = app.bot
    refused: list[SchemaTooNew] = []

    def outdated(exc: SchemaTooNew) -> None:
        if not refused:
            log.critical("%s; stopping", exc)
        refused.append(exc)
        stop.set()

    scheduler = Scheduler(
        core,
        send_posts=lambda: send_owed_posts(core, bot, app.bot_data.index_poster),
        send_digest=lambda: send_due_digest(core, bot),
        is_leader=leadership.is_leader,
        ready=caught_up,
        outdated=outdated,
    )
    assert app.job_queue is not None
    schedule_ticks(app.job_queue, scheduler, core.settings.schedule.tick_seconds)
    try:
        async with web_pages(core):
            if intake is None:
                await poll_updates(app, core, PLAIN_ANSWERS, stop, caught_up=caught_up)
            else:
                caught_up.set()  # updates are pushed to us: no backlog to read first
                await intake(app, core, PLAIN_ANSWERS, stop)
    finally:
        # Replies already owed go out if Telegram lets them within a few seconds; the rest
        # are dropped (counted in the log): their updates are committed either way.
        await app.bot_data.replies.close(REPLY_DRAIN_SECONDS)
        if app.bot_data.round_poster is not None:
            await app.bot_data.round_poster.close(REPLY_DRAIN_SECONDS)
        if app.bot_data.index_poster is not None:
            await app.bot_data.index_poster.close()
        await app.stop()
        await scheduler.wait_idle()
        await leadership.release()
    if refused:
        raise refused[0]  # `minyi run` exits with it (code 2)


async def _set_menu(app: MinyiApp) -> None:
    """The residents' command menus (setMyCommands, one per language); a failure is only
    logged."""
    for language, commands in MENUS:
        try:
            await app.bot.set_my_commands(commands, language_code=language)
        except Exception as exc:
            log.info("setMyCommands (%s) failed: %s", language or "default", exc)


async def _warn_if_retag_due(core: Core) -> None:
    """`warn_if_retag_due` beside the start; a failure to compare is only logged."""
    try:
        await warn_if_retag_due(core)
    except Exception:
        log.exception("could not compare the stored tags' taxonomy and models with these")


@asynccontextmanager
async def web_pages(core: Core) -> AsyncIterator[None]:
    """The web answer pages served while the block runs, if `web.listen` is set."""
    if not core.settings.web.listen:
        yield
        return
    from bot.web.server import options_from, serving_web

    options = options_from(core.settings)
    if options is None:
        yield
        return
    async with serving_web(core, options):
        yield


async def run_bot(settings: Settings, token: str, intake: Intake | None = None) -> None:
    """`minyi run`: open the database, run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with opened_core(settings) as core:
        app = build_application(settings, core, token)
        settle_heap()
        await run_application(app, core, stop, intake)


# Container objects allocated (net) between two young collections; CPython's default is 700,
# at which a batch of 100 long answers paid for about ten young collections, each promoting
# what the batch still held on to the older generations.
YOUNG_COLLECTION_EVERY = 10_000


def settle_heap() -> None:
    """For a bot process, once built: what start-up made (modules, the taxonomy, the models,
    the application) lives as long as the process, so it is moved out of the collector's reach
    (`gc.freeze`), and young collections run less often. Before, each full collection walked
    all of it again: 6 pauses of ≈ 50 ms while 8,000 long answers were ingested, 0.4–0.6 s of
    collecting in all against ≈ 0.05–0.1 s after (bench/README.md, issue 18). Not for a process
    that starts many bots (tests): frozen objects are never collected."""
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
