"""Sending the weekly digest to every staff chat, once per period even across restarts.

A period ends at a fire time of `schedule.digest_cron` and covers the 7 days before it. The
scheduler tick calls `send_due_digest`: the latest fire time at or before now is claimed in
the `digests` table (a primary key, so only one process and only one tick ever claims it),
the digest is sent, then the period is marked sent. A crash between claim and mark leaves it
unsent and the next start sends it again (at least once; a staff chat may then see it twice,
which beats never).

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
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core import Core
from bot.crontab import next_fire
from bot.digest import Digest, build_digest
from bot.report_render import split_message

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=8)


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


async def send_digest(core: Core, bot: Bot, chat_id: int, digest: Digest) -> None:
    """One chat gets the digest: the text (split under Telegram's limit), then, if there was
    any activity, the chart as a photo and the answers as a CSV document."""
    for chunk in split_message(digest.text):
        await bot.send_message(chat_id, chunk)
    if not digest.active:
        return
    png_name, csv_name = digest_file_names(digest, core)
    if digest.chart_png is not None:
        await bot.send_photo(chat_id, photo=io.BytesIO(digest.chart_png), filename=png_name)
    await bot.send_document(chat_id, document=io.BytesIO(digest.csv), filename=csv_name)


async def send_digest_to_staff(core: Core, bot: Bot, until: datetime) -> tuple[int, int]:
    """Build the digest of the 7 days before `until` and send it to every staff chat; how many
    chats received it and how many failed for a passing reason (network). A chat that refuses
    (bot removed, never started) or fails is logged and skipped, so one bad chat id does not
    hold the others back."""
    digest = await build_digest(core, until, core.settings.locale.default)
    delivered = transient = 0
    for chat_id in core.settings.roles.staff_chats:
        try:
            await send_digest(core, bot, chat_id, digest)
            delivered += 1
        except (Forbidden, BadRequest) as exc:
            log.warning("staff chat %s cannot receive the digest: %s", chat_id, exc)
        except TelegramError as exc:
            transient += 1
            log.warning("sending the digest to staff chat %s failed: %s", chat_id, exc)
    return delivered, transient


async def send_due_digest(core: Core, bot: Bot) -> bool:
    """If a digest period fell due and was not sent, send it (once); True if sent now."""
    if not core.settings.roles.staff_chats:
        return False
    due = last_due_period(core, core.now())
    if due is None:
        return False
    async with core.repo.transaction() as session:
        started = await session.get_first_community_time()
        if started is None or due <= started:
            return False  # the deployment did not exist during this period (see above)
        claimed = await session.add_digest_period(due)
        unsent = await session.list_unsent_digests()
    if not claimed and due not in unsent:
        return False
    delivered, transient = await send_digest_to_staff(core, bot, due)
    if delivered == 0 and transient > 0:
        # Nobody got it and the network is to blame: leave it unsent, the next tick retries.
        log.warning("digest for the period ending %s reached no staff chat; will retry", due)
        return False
    async with core.repo.transaction() as session:
        await session.set_digest_sent(due, core.now())
    return True
