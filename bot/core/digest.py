"""The weekly theme digest: text, chart and CSV for the staff chats (SPEC §5)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core
from bot.core.exports import period_csv
from bot.core.reports import Report, build_period_report
from bot.render.report import render_report
from bot.render.texts import Lang, say

PERIOD = timedelta(days=7)


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


async def build_digest(core: Core, until: datetime, lang: Lang) -> Digest:
    """The digest of the 7 days before `until`: the period report as text, the chart of
    themes against the week before, and the CSV of the period's answers. Without any answer
    or vote in the period it is a one-line note and no chart."""
    since = until - PERIOD
    report = await build_period_report(core, since, until)
    active = report.answers > 0 or report.participants > 0
    zone = core.settings.schedule.tz
    if active:
        text = render_report(report, lang, zone)
        # matplotlib is imported only when a chart is drawn: it would double the bot's start-up.
        from bot.render.chart import render_chart

        chart = render_chart(report, lang, zone)
    else:
        text = say(
            "digest_quiet",
            lang,
            start=since.astimezone(zone).date(),
            end=until.astimezone(zone).date(),
        )
        chart = None
    csv, _ = await period_csv(core, since, until)
    return Digest(
        since=since,
        until=until,
        report=report,
        text=text,
        chart_png=chart,
        csv=csv,
        active=active,
    )


def write_digest(digest: Digest, out: Path) -> list[str]:
    """Write the digest into folder `out` (text, JSON, CSV and the chart); the names written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "digest.txt").write_text(digest.text + "\n", encoding="utf-8")
    (out / "digest.json").write_text(
        json.dumps(digest.report.json_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out / "digest.csv").write_bytes(digest.csv)
    written = ["digest.txt", "digest.json", "digest.csv"]
    if digest.chart_png is not None:
        (out / "digest.png").write_bytes(digest.chart_png)
        written.append("digest.png")
    return written
