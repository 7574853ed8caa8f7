"""Report text: Chinese and English layouts, split cleanly under Telegram's 4096 limit."""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo

from bot.core.reports import QuoteOut
from bot.render.report import TELEGRAM_LIMIT, render_report, split_message
from tests.bot.render.test_chart import COMMUNITIES, every_theme_report

ZONE = ZoneInfo("Asia/Shanghai")


def test_long_report_splits_at_line_breaks_under_the_limit() -> None:
    """A report far over 4096 characters becomes messages under the limit, cut only between
    lines, that together hold every line."""
    report = every_theme_report()
    quotes = [QuoteOut(theme_id=t.id, text="居民原话" * 30) for t in report.themes]
    long_report = report.model_copy(update={"quotes": quotes * 4})
    text = render_report(long_report, "zh", ZONE)
    assert len(text) > 2 * TELEGRAM_LIMIT
    chunks = split_message(text)
    assert len(chunks) >= 3
    assert all(0 < len(c) <= TELEGRAM_LIMIT for c in chunks)
    assert "\n".join(chunks).replace("\n", "") == text.replace("\n", "")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_messages_full_of_emoji_fit_telegrams_limit_in_utf16_units() -> None:
    """Telegram measures its 4096 in UTF-16 units, where an emoji beyond the first plane counts
    two: quotes full of them split into messages Telegram takes, and an over-long line of them
    is never cut between the two halves of one emoji."""
    lines = ["居民原话：👍👍🏠 停车难" * 20 for _ in range(40)]
    text = "\n".join(lines)
    assert len(text) > 2 * TELEGRAM_LIMIT and _utf16(text) > len(text) + 2000
    chunks = split_message(text)
    assert all(0 < _utf16(c) <= TELEGRAM_LIMIT for c in chunks)
    assert "\n".join(chunks) == text
    one_line = "👍" * 5000
    chunks = split_message(one_line)
    assert all(0 < _utf16(c) <= TELEGRAM_LIMIT for c in chunks)
    assert "".join(chunks) == one_line and len(chunks) == 3


def test_english_report_uses_english_names_and_templates() -> None:
    """The English layout names themes in English and carries no Chinese template text."""
    report = every_theme_report()
    text = render_report(report, "en", ZONE)
    assert "Weekly digest" in text and "Participants: 18 · Answers: 80" in text
    assert "Parking" in text or "parking" in text.lower()
    assert "参与" not in text and "治理原则" not in text
    zh = render_report(report, "zh", ZONE)
    assert "参与居民：18 · 回答：80" in zh and "碧海社区：参与 9，回答 40" in zh


def test_communities_without_answers_are_named_once_not_listed_as_zeros() -> None:
    """A period report names the communities nobody answered in on one line instead of a
    "参与 0，回答 0；主要主题：—" line each."""
    report = every_theme_report()
    quiet = report.per_community[0].model_copy(
        update={"name": "海月社区", "participants": 0, "answers": 0, "themes": []}
    )
    report = report.model_copy(update={"per_community": [*report.per_community, quiet]})
    zh = render_report(report, "zh", ZoneInfo("Asia/Shanghai"))
    en = render_report(report, "en", ZoneInfo("Asia/Shanghai"))
    assert "海月社区：参与 0" not in zh and "没有回答：海月社区" in zh
    assert "no answers from: 海月社区" in en
    assert all(f"{name}：参与 9" in zh for name in COMMUNITIES)


def test_a_quote_is_one_line_without_control_characters() -> None:
    """A resident's quote cannot forge lines of the staff's digest (line breaks in it made
    "results" of its own) nor steer the terminal of `minyi report` (escape sequences that
    clear the screen or hide a link): it is shown on one line, control characters gone."""
    forged = (
        "停车难\n\n投票结果：甲 100%\r\n\u2028"
        "\x1b[2J\x1b]8;;http://evil.example\x07点我\x1b]8;;\x07\x9b0m\x00"
    )
    report = every_theme_report()
    quoted = report.model_copy(
        update={"quotes": [QuoteOut(theme_id=report.themes[0].id, text=forged)]}
    )
    text = render_report(quoted, "zh", ZONE)
    lines = [line for line in text.splitlines() if "停车难" in line]
    assert len(lines) == 1
    assert "停车难 投票结果：甲 100%" in lines[0] and "点我" in lines[0]
    assert not any(line.startswith("投票结果") for line in text.splitlines())
    assert [c for c in text if unicodedata.category(c) == "Cc" and c != "\n"] == []
    assert "\u2028" not in text
