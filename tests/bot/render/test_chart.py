"""The digest chart draws Chinese with the CJK font the project installs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot.core.reports import Change, CommunityChange, CommunityPart, Report, ThemeShare
from bot.render.chart import _font, chart_texts, cjk_font_path, render_chart
from nlp.taxonomy import load_taxonomy

ZONE = ZoneInfo("Asia/Shanghai")
COMMUNITIES = ["碧海社区", "会展城社区"]


def every_theme_report() -> Report:
    """A period report naming every theme of the default taxonomy, in two communities."""
    themes = [
        ThemeShare(
            id=t.id,
            name_zh=t.name_zh,
            name_en=t.name_en,
            kind=t.kind,
            count=i + 1,
            share=(i + 1) / 100,
        )
        for i, t in enumerate(load_taxonomy().themes)
    ]
    parts = [
        CommunityPart(name=name, participants=9, answers=40, themes=themes, poll=None)
        for name in COMMUNITIES
    ]
    since = datetime(2025, 3, 3, 1, tzinfo=UTC)
    before = {t.id: t.share / 2 for t in themes}
    return Report(
        id=None,
        kind="period",
        state="closed",
        question="",
        communities=COMMUNITIES,
        opens_at=since,
        closes_at=since + timedelta(days=7),
        participants=18,
        answers=80,
        poll=None,
        themes=themes,
        emerging=[],
        quotes=[],
        per_community=parts,
        previous=Change(
            label="上周",
            participants=10,
            answers=50,
            themes=before,
            per_community={
                n: CommunityChange(participants=5, answers=25, themes=before) for n in COMMUNITIES
            },
        ),
    )


def test_cjk_font_covers_every_label() -> None:
    """Every character of every chart text, for every theme in the taxonomy, has a glyph in the
    installed Noto Sans CJK font, and that font file is the one the chart resolves to."""
    report = every_theme_report()
    covered = FT2Font(str(cjk_font_path())).get_charmap()
    texts = chart_texts(report, "zh", ZONE, most=len(report.themes))
    texts += chart_texts(report, "en", ZONE, most=len(report.themes))
    missing = sorted(
        {ch for text in texts for ch in text if not ch.isspace()} - set(map(chr, covered))
    )
    assert missing == [], f"no glyph for {missing}"
    assert any("碧海社区" in t for t in texts) and any("停车" in t for t in texts)
    assert font_manager.findfont(_font(), fallback_to_default=False) == str(cjk_font_path())


def test_chart_is_a_png_with_a_panel_per_community() -> None:
    """The chart is a PNG wide enough for one panel per community."""
    report = every_theme_report()
    png = render_chart(report, "zh", ZONE)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    one = render_chart(
        report.model_copy(update={"per_community": report.per_community[:1]}), "zh", ZONE
    )
    assert width > int.from_bytes(one[16:20], "big")
