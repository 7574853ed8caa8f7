"""Sending the weekly digest to every staff chat, once per period even across restarts."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.core import Core
from bot.crontab import next_fire
from bot.digest import build_digest
from bot.report_render import split_message

log = logging.getLogger(__name__)


def last_due_period(core: Core, now: datetime) -> datetime | None:
    """The latest digest fire time at or before `now` (within the last 8 days), if any."""
    cron = core.settings.schedule.digest_cron
    zone = core.settings.schedule.tz
    moment = next_fire(cron, now - timedelta(days=8), zone)
    latest = None
    while moment <= now:
        latest = moment
        moment = next_fire(cron, moment, zone)
    return latest


async def send_digest_to_staff(core: Core, bot: Bot, until: datetime) -> int:
    """Build the digest of the 7 days before `until` and send it to every staff chat."""
    lang = core.settings.locale.default
    digest = await build_digest(core, until, lang)
    delivered = 0
    for chat_id in core.settings.roles.staff_chats:
        try:
            for chunk in split_message(digest.text):
                await bot.send_message(chat_id, chunk)
            if digest.active:
                if digest.chart_png is not None:
                    await bot.send_photo(
                        chat_id, photo=io.BytesIO(digest.chart_png), filename="minyi-digest.png"
                    )
                await bot.send_document(
                    chat_id,
                    document=io.BytesIO(digest.csv),
                    filename=f"minyi-digest-{until.date()}.csv",
                )
            delivered += 1
        except (Forbidden, BadRequest) as exc:
            log.warning("staff chat %s cannot receive the digest: %s", chat_id, exc)
    return delivered


async def send_due_digest(core: Core, bot: Bot) -> bool:
    """If a digest period fell due and was not sent, send it (once); True if sent now."""
    if not core.settings.roles.staff_chats:
        return False
    due = last_due_period(core, core.now())
    if due is None:
        return False
    async with core.repo.transaction() as session:
        claimed = await session.add_digest_period(due)
        unsent = await session.list_unsent_digests()
    if not claimed and due not in unsent:
        return False
    await send_digest_to_staff(core, bot, due)
    async with core.repo.transaction() as session:
        await session.set_digest_sent(due, core.now())
    return True
