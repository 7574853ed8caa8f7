"""The weekly theme digest: text, chart and CSV for the staff chats (SPEC §5)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.core import Core
from bot.exports import rows_to_csv
from bot.report_render import render_report
from bot.reports import Report, build_period_report
from bot.texts import Lang, say

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


async def _period_rows(core: Core, since: datetime, until: datetime) -> list[dict[str, object]]:
    async with core.repo.transaction() as session:
        names = {c.id: c.name for c in await session.list_communities()}
        answers = await session.list_answers_between(since, until)
    return [
        {
            "answer_id": a.id,
            "round_id": a.round_id,
            "community": names.get(a.community_id, ""),
            "via": a.via,
            "created_at": a.created_at.isoformat(),
            "text": a.text,
            "themes": [
                {"id": t.theme_id, "kind": t.kind, "score": t.score, "evidence": t.evidence}
                for t in a.themes
            ],
        }
        for a in answers
    ]


async def build_digest(core: Core, until: datetime, lang: Lang) -> Digest:
    """The digest of the 7 days before `until`."""
    since = until - PERIOD
    report = await build_period_report(core, since, until)
    active = report.answers > 0 or report.participants > 0
    if active:
        text = render_report(report, lang, core.settings.schedule.tz)
        # matplotlib is imported only when a chart is drawn: it would double the bot's start-up.
        from bot.chart import render_chart

        chart = render_chart(report, lang)
    else:
        text = say("digest_quiet", lang, start=since.date(), end=until.date())
        chart = None
    rows = await _period_rows(core, since, until)
    return Digest(
        since=since,
        until=until,
        report=report,
        text=text,
        chart_png=chart,
        csv=rows_to_csv(rows),
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
