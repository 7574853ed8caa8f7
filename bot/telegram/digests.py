"""Sending the weekly digest to every staff chat, once per period even across restarts.

A period ends at a fire time of `schedule.digest_cron` and covers the 7 days before it. The
scheduler tick calls `send_due_digest`: the latest fire time at or before now is claimed in
the `digests` table (a primary key, so only one process and only one tick ever claims it),
each staff chat is owed it in `digest_deliveries`, and the period is marked sent once every
staff chat has it. A chat's progress is stored after each message Telegram accepts (text
chunks, then chart, then CSV), so a retry sends a chat only what it is missing and never again
what it got. A passing failure (network, flood wait) retries that chat alone, later and later
(`RETRY_FIRST` doubling up to `RETRY_MAX`); a chat that refuses (bot removed, chat not found)
is given up for the period. A chat upgraded to a supergroup (learnt from the upgrade's service
message, or from Telegram refusing the old id with the new one, bot/core/chats.py) is followed
at once, with the parts it already had (its history moves with it): it is owed under its new
id, and a warning asks the operator to update `roles.staff_chats`. A part Telegram refuses for
what it is (a chart of a size it does not take, a CSV too big) is logged and skipped: the chat
still gets the other parts and counts as delivered, once. A crash between Telegram accepting a
message and its progress being stored re-sends that one message (at least once: a duplicate
beats a gap).

Decisions (SPEC §5 leaves them open):
- A brand-new deployment does not send a digest for a week it did not exist in: a period is
  due only if it ends after the first community was registered. Before any community exists
  there is nothing to report and nothing is sent, not even the "no activity" note.
- After downtime only the latest missed period (within the last 8 days) is sent, once; older
  missed weeks can still be built with `minyi digest` or `/digest`.
- A week without answers or votes still sends its one-line note (staff learn that the bot is
  alive and that residents were quiet), without chart or CSV.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError

from bot.core.base import Core
from bot.core.chats import MAX_MOVES, set_chat_migrated, staff_chats, warn_staff_chat_moved
from bot.core.crontab import next_fire
from bot.core.models import DigestDelivery
from bot.core.privacy import chat_label, stored_chat
from bot.render.digest import Digest, build_digest
from bot.render.report import split_message
from bot.telegram.sending import flood_wait

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=8)
# A staff chat that failed for a passing reason is tried again after RETRY_FIRST, then after
# twice as long each time, at most RETRY_MAX apart (until the next period falls due).
RETRY_FIRST = timedelta(seconds=5)
RETRY_MAX = timedelta(hours=1)


def last_due_period(core: Core, now: datetime) -> datetime | None:
    """The latest digest fire time at or before `now` (within the last 8 days), if any."""
    cron = core.settings.schedule.digest_cron
    zone = core.settings.schedule.tz
    moment = next_fire(cron, now - LOOK_BACK, zone)
    latest = None
    while moment <= now:
        latest = moment
        moment = next_fire(cron, moment, zone)
    return latest


def digest_file_names(digest: Digest, core: Core) -> tuple[str, str]:
    """The chart's and the CSV's file names, dated by the period's last day."""
    day = (digest.until - timedelta(seconds=1)).astimezone(core.settings.schedule.tz).date()
    return f"minyi-digest-{day}.png", f"minyi-digest-{day}.csv"


@dataclass(frozen=True)
class DigestPart:
    """One message of the digest: a text chunk, the chart (photo) or the CSV (document)."""

    kind: Literal["text", "photo", "document"]
    text: str = ""
    data: bytes = b""
    file_name: str = ""


def digest_parts(core: Core, digest: Digest) -> list[DigestPart]:
    """The digest's messages in sending order: the text (split under Telegram's limit), then,
    if there was any activity, the chart and the answers as a CSV."""
    parts = [DigestPart("text", text=chunk) for chunk in split_message(digest.text)]
    if not digest.active:
        return parts
    png_name, csv_name = digest_file_names(digest, core)
    if digest.chart_png is not None:
        parts.append(DigestPart("photo", data=digest.chart_png, file_name=png_name))
    parts.append(DigestPart("document", data=digest.csv, file_name=csv_name))
    return parts


# A 400 whose description says the bot can post nothing in the chat: the chat is given up like
# a 403. Any other 400 refuses that one part for what it is (its size, its format), and so
# does a 413 (an upload over Telegram's limit; PTB raises it as a NetworkError).
_CHAT_REFUSALS = (
    "chat not found",
    "not enough rights to send text",
    "have no rights to send",
    "chat_write_forbidden",
    "chat_restricted",
    "peer_id_invalid",
)


def refuses_chat(exc: Forbidden | BadRequest) -> bool:
    """Whether Telegram refused the chat itself (the bot removed or blocked, the chat gone,
    posting forbidden there), not just the message it was sent."""
    if isinstance(exc, Forbidden):
        return True
    reason = exc.message.lower()
    return any(marker in reason for marker in _CHAT_REFUSALS)


def refuses_part(exc: TelegramError) -> bool:
    """Whether Telegram refused this one message for what it is, so that sending it again
    would be refused again, while the chat may still take the other parts."""
    if isinstance(exc, BadRequest):
        return not refuses_chat(exc)
    return isinstance(exc, NetworkError) and "entity too large" in exc.message.lower()


def _part_name(parts: list[DigestPart], index: int) -> str:
    part = parts[index]
    if part.kind == "photo":
        return "chart"
    if part.kind == "document":
        return "CSV"
    texts = sum(1 for p in parts if p.kind == "text")
    return f"text (part {index + 1} of {texts})"


def _reason(exc: TelegramError) -> str:
    """Telegram's description of a refusal, for a log line: its own short English words
    (e.g. "file is too big"); anything else only by its length."""
    text = exc.message
    if text.isascii() and len(text) <= 120:
        return text
    return f"<text of {len(text)} characters>"


async def _send_part(bot: Bot, chat_id: int, part: DigestPart) -> None:
    if part.kind == "text":
        await bot.send_message(chat_id, part.text)
    elif part.kind == "photo":
        await bot.send_photo(chat_id, photo=io.BytesIO(part.data), filename=part.file_name)
    else:
        await bot.send_document(chat_id, document=io.BytesIO(part.data), filename=part.file_name)


async def _send_or_skip(
    core: Core, bot: Bot, chat_id: int, parts: list[DigestPart], index: int
) -> None:
    """Send one part; one Telegram refuses for what it is (`refuses_part`) is logged and
    skipped, so that the chat still gets the others. Any other failure is raised."""
    try:
        await _send_part(bot, chat_id, parts[index])
    except TelegramError as exc:
        if not refuses_part(exc):
            raise
        log.warning(
            "chat %s: Telegram refused the digest's %s (%s); skipped, the other parts go out",
            chat_label(chat_id, core.secret),
            _part_name(parts, index),
            _reason(exc),
        )


async def send_digest(core: Core, bot: Bot, chat_id: int, digest: Digest) -> None:
    """One chat gets the whole digest (see `digest_parts`), except a part Telegram refuses
    for what it is (`_send_or_skip`)."""
    parts = digest_parts(core, digest)
    for index in range(len(parts)):
        await _send_or_skip(core, bot, chat_id, parts, index)


def retry_delay(attempts: int, retry_after: float = 0.0) -> timedelta:
    """How long a staff chat waits after its `attempts`-th failed attempt (at least as long
    as Telegram asked, `retry_after` seconds)."""
    delay = min(RETRY_FIRST * (1 << min(attempts - 1, 16)), RETRY_MAX)
    return max(delay, timedelta(seconds=retry_after))


async def _deliver(
    core: Core,
    bot: Bot,
    period: datetime,
    owed: DigestDelivery,
    parts: list[DigestPart],
    chat_id: int,
) -> int:
    """Send one staff chat (`chat_id`; its delivery `owed` is stored under `stored_chat`) the
    parts of the digest it does not have yet, storing its progress after each; a failure
    schedules the next attempt or gives the chat up. A chat upgraded to a supergroup is
    followed there at once, with what it already had (`_follow`; a group is stored under its
    id). The stored id the chat has in the end."""
    for _ in range(MAX_MOVES):
        try:
            await _deliver_to(core, bot, period, owed, parts, chat_id)
            return owed.chat_id
        except ChatMigrated as exc:
            followed = await _follow(core, period, owed.chat_id, exc.new_chat_id)
            if followed is None or followed.done_at is not None:
                return exc.new_chat_id
            owed, chat_id = followed, exc.new_chat_id
    log.error("staff chat %s keeps moving: given up", chat_label(chat_id, core.secret))
    return owed.chat_id


async def _follow(
    core: Core, period: datetime, old_chat_id: int, new_chat_id: int
) -> DigestDelivery | None:
    """Telegram refused a staff chat naming its supergroup: the move is remembered (the
    operator is told) and the chat's delivery moves there with the parts it had, since the
    group's history moves with it (storage `set_digest_delivery_chat`)."""
    await set_chat_migrated(core, old_chat_id, new_chat_id)
    async with core.repo.transaction() as session:
        return await session.set_digest_delivery_chat(period, old_chat_id, new_chat_id)


async def _deliver_to(
    core: Core,
    bot: Bot,
    period: datetime,
    owed: DigestDelivery,
    parts: list[DigestPart],
    chat_id: int,
) -> None:
    """`_deliver` to the chat's id as it is; ChatMigrated is raised."""
    key = owed.chat_id
    try:
        for index in range(owed.parts_sent, len(parts)):
            async with core.repo.transaction() as session:
                again = await session.start_digest_part(period, key, index)
            if again:
                log.warning(
                    "re-sending the digest's %s to staff chat %s: if an earlier attempt reached "
                    "Telegram just before a crash, this one is a duplicate",
                    _part_name(parts, index),
                    chat_label(chat_id, core.secret),
                )
            await _send_or_skip(core, bot, chat_id, parts, index)
            async with core.repo.transaction() as session:
                await session.set_digest_parts_sent(period, key, index + 1)
    except ChatMigrated:
        raise
    except (Forbidden, BadRequest) as exc:
        log.warning(
            "staff chat %s cannot receive the digest: %s (%s)",
            chat_label(chat_id, core.secret),
            type(exc).__name__,
            _reason(exc),
        )
        async with core.repo.transaction() as session:
            await session.set_digest_delivery_done(period, key, "refused", core.now())
        return
    except TelegramError as exc:
        delay = retry_delay(owed.attempts + 1, flood_wait(exc))
        async with core.repo.transaction() as session:
            await session.set_digest_delivery_failed(period, key, core.now() + delay)
        log.warning(
            "sending the digest to staff chat %s failed (%s); retrying in %s",
            chat_label(chat_id, core.secret),
            type(exc).__name__,
            delay,
        )
        return
    async with core.repo.transaction() as session:
        await session.set_digest_delivery_done(period, key, "sent", core.now())


async def send_due_digest(core: Core, bot: Bot) -> bool:
    """Send the digest of the period that fell due to every staff chat still owed it (and
    whose retry time came); True if some chat was sent to now and the period is complete.

    The digest is built again for each pass that has a chat to send to, never kept from an
    earlier one: a chat retried later must get none of what residents deleted meanwhile (a
    /forget, the retention purge) or organisers hid."""
    configured = core.settings.roles.staff_chats
    if not configured:
        return False
    now = core.now()
    due = last_due_period(core, now)
    if due is None:
        return False
    async with core.repo.transaction() as session:
        started = await session.get_first_community_time()
        if started is None or due <= started:
            return False  # the deployment did not exist during this period (see above)
        claimed = await session.add_digest_period(due)
        if not claimed and due not in await session.list_unsent_digests():
            return False
        current = await staff_chats(session, due, configured)
        # Each chat once: one configured under both its old and its new id is one chat. Its
        # delivery is stored under `stored_chat` (a private chat's id is a person's).
        staff = {stored_chat(c, core.secret): c for c in dict.fromkeys(current.values())}
        await session.add_digest_deliveries(due, list(staff))
        deliveries = {d.chat_id: d for d in await session.list_digest_deliveries(due)}
    if claimed:
        for old, new in current.items():
            if new != old:
                warn_staff_chat_moved(core, old, new)  # once a period until it is updated
    owed = [deliveries[c] for c in staff if deliveries[c].done_at is None]
    ready = [d for d in owed if d.retry_at is None or d.retry_at <= now]
    if owed and not ready:
        return False  # every chat still owed waits for its retry time
    if ready:
        digest = await build_digest(core, due, core.settings.locale.default)
        parts = digest_parts(core, digest)
        served: set[int] = set()
        for delivery in ready:
            # A chat configured under both its ids that moved meanwhile is served once.
            if delivery.chat_id not in served:
                chat_id = staff[delivery.chat_id]
                served.add(await _deliver(core, bot, due, delivery, parts, chat_id))
    async with core.repo.transaction() as session:
        # Read again: a chat upgraded meanwhile is now owed under its new id.
        current = await staff_chats(session, due, configured)
        stored = [stored_chat(c, core.secret) for c in current.values()]
        deliveries = {d.chat_id: d for d in await session.list_digest_deliveries(due)}
        if any(c not in deliveries or deliveries[c].done_at is None for c in stored):
            return False
        await session.set_digest_sent(due, core.now())
    return bool(ready)
