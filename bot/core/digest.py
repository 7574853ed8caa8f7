"""The weekly digest's content: one period's report and the CSV of its answers (SPEC §5).

Rendering it (text, chart) is bot/render/digest.py's; sending it, the channel's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core
from bot.core.exports import period_csv
from bot.core.indexing import IndexNews, index_news
from bot.core.reports import Report, build_period_report

PERIOD = timedelta(days=7)


class DigestPeriod(BaseModel):
    """What happened in one digest period, before rendering."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    since: datetime
    until: datetime
    report: Report
    csv: bytes
    index: IndexNews | None = None  # a period's index values arrived in this digest's period

    @property
    def active(self) -> bool:
        """Whether anyone answered or voted in the period."""
        return self.report.answers > 0 or self.report.participants > 0


async def gather_digest(core: Core, until: datetime) -> DigestPeriod:
    """The report and the answers' CSV of the 7 days before `until`."""
    # Seven days of wall clock in the configured zone: across a daylight-saving change a
    # weekly period then starts where the one before ended (09:00 Monday to 09:00 Monday),
    # where seven times 24 hours would count one hour twice in spring and none in autumn.
    since = until.astimezone(core.settings.schedule.tz) - PERIOD
    report = await build_period_report(core, since, until)
    csv, _ = await period_csv(core, since, until)
    news = await index_news(core, since)
    return DigestPeriod(since=since, until=until, report=report, csv=csv, index=news)
