"""An English report or digest is English all through: once the names and words that come
from people (communities, residents' quotes, emerging terms) are taken out, no Chinese
character or Chinese punctuation is left."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.core.reports import QuoteOut
from bot.render.report import render_report
from tests.bot.render.test_chart import COMMUNITIES, every_theme_report

ZONE = ZoneInfo("Asia/Shanghai")
CHINESE = re.compile(r"[\u3400-\u9fff、，。：；（）「」《》【】]")


def test_an_english_report_has_no_chinese_beyond_peoples_words() -> None:
    report = every_theme_report()
    quotes = [QuoteOut(theme_id=t.id, text="Too few parking spaces") for t in report.themes[:3]]
    assert report.previous is not None
    # The core labels the period compared with by its dates (the fixture says 上周).
    previous = report.previous.model_copy(update={"label": "2026-11-18 – 2026-11-25"})
    report = report.model_copy(update={"quotes": quotes, "previous": previous})
    text = render_report(report, "en", ZONE)
    assert "Too few parking spaces" in text
    for name in COMMUNITIES:
        text = text.replace(name, "")
    for term in report.emerging:
        text = text.replace(str(term["term"]), "")
    left = [line for line in text.splitlines() if CHINESE.search(line)]
    assert left == [], left
