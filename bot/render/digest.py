"""The weekly digest rendered: text, chart and CSV for the staff chats and files (SPEC §5)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, tzinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core
from bot.core.digest import DigestPeriod, gather_digest
from bot.core.reports import Report
from bot.render.files import write_file, write_text
from bot.render.index_text import index_digest_line
from bot.render.report import render_report
from bot.render.texts import Lang, say


class Digest(BaseModel):
    """One period's digest, ready to send or write to files."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    since: datetime
    until: datetime
    report: Report
    text: str
    chart_png: bytes | None
    csv: bytes
    active: bool


def render_digest(period: DigestPeriod, lang: Lang, zone: tzinfo) -> Digest:
    """The period report as text and the chart of themes against the week before; without
    any answer or vote in the period, a one-line note and no chart."""
    if period.active:
        text = render_report(period.report, lang, zone)
        # matplotlib is imported only when a chart is drawn: it would double the bot's start-up.
        from bot.render.chart import render_chart

        chart = render_chart(period.report, lang, zone)
    else:
        text = say(
            "digest_quiet",
            lang,
            start=period.since.astimezone(zone).date(),
            end=period.until.astimezone(zone).date(),
        )
        chart = None
    if period.index is not None:
        text += "\n\n" + index_digest_line(period.index, lang)
    return Digest(
        since=period.since,
        until=period.until,
        report=period.report,
        text=text,
        chart_png=chart,
        csv=period.csv,
        active=period.active,
    )


async def build_digest(core: Core, until: datetime, lang: Lang) -> Digest:
    """The digest of the 7 days before `until`, rendered in `lang`; the text and chart (seconds
    of matplotlib) in a worker thread, so the event loop serves everybody else meanwhile."""
    period = await gather_digest(core, until)
    return await asyncio.to_thread(render_digest, period, lang, core.settings.schedule.tz)


def write_digest(digest: Digest, out: Path, lang: Lang, zone: tzinfo) -> list[str]:
    """Write the digest into folder `out` (text, JSON, CSV and the chart, `lang`, dates in
    `zone`); the names written. A week without answers or votes still gets its chart file,
    saying so."""
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "digest.txt", digest.text + "\n")
    write_text(
        out / "digest.json", json.dumps(digest.report.json_dict(), ensure_ascii=False, indent=2)
    )
    write_file(out / "digest.csv", digest.csv)
    chart = digest.chart_png
    if chart is None:
        from bot.render.chart import render_quiet_chart

        chart = render_quiet_chart(digest.report, lang, zone)
    write_file(out / "digest.png", chart)
    return ["digest.txt", "digest.json", "digest.csv", "digest.png"]
