"""The digest chart draws Chinese with the CJK font the project installs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from bot.core.reports import Change, CommunityChange, CommunityPart, Report, ThemeShare
from bot.render.chart import (
    MAX_PANELS,
    _font,
    chart_figure,
    chart_texts,
    cjk_font_path,
    render_chart,
)
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


def _quiet_week() -> Report:
    """Three communities, only the first with answers, and no period before."""
    report = every_theme_report()
    answered = report.per_community[0]
    quiet = [
        CommunityPart(name=name, participants=0, answers=0, themes=[], poll=None)
        for name in ("会展城社区", "海月社区")
    ]
    return report.model_copy(
        update={
            "per_community": [answered, *quiet],
            "communities": [answered.name, *(q.name for q in quiet)],
            "previous": None,
        }
    )


def _legend(fig: Figure) -> list[str]:
    legend = fig.axes[0].get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_chart_leaves_out_communities_without_answers_and_says_so() -> None:
    """Only communities with answers get a panel; the others are named in a note line, and
    with no period before there is no grey bar and no "上周" in the legend."""
    fig = chart_figure(_quiet_week(), "zh", ZONE)
    assert [ax.get_title() for ax in fig.axes] == [
        "治理原则 · 碧海社区 · 40 条回答",
        "服务领域（一级类别） · 碧海社区 · 40 条回答",
    ]
    notes = [t.get_text() for t in fig.texts]
    assert any("会展城社区" in n and "海月社区" in n and "未画出" in n for n in notes), notes
    assert _legend(fig) == ["本周"]
    colours = {tuple(bar.get_facecolor()) for bar in fig.axes[0].patches}
    assert len(colours) == 1  # blue bars only


def test_chart_draws_last_week_only_where_there_was_one() -> None:
    """With answers last week the legend names both weeks and grey bars are drawn."""
    fig = chart_figure(every_theme_report(), "zh", ZONE)
    assert len(fig.axes) == 4 and _legend(fig) == ["本周", "上周"]
    assert len({tuple(bar.get_facecolor()) for bar in fig.axes[0].patches}) == 2
    assert not any("未画出" in t.get_text() for t in fig.texts)


def _levels_report() -> Report:
    """Principles, first-level domains and child domains with their real parents and levels."""
    taxonomy = load_taxonomy()
    report = every_theme_report()
    themes = [
        t.model_copy(
            update={
                "parent": taxonomy.get(t.id).parent,  # type: ignore[union-attr]
                "level": 1 if taxonomy.get(t.id).parent is None else 2,  # type: ignore[union-attr]
            }
        )
        for t in report.themes
    ]
    parts = [p.model_copy(update={"themes": themes}) for p in report.per_community]
    return report.model_copy(update={"themes": themes, "per_community": parts, "untagged": 20})


def test_chart_keeps_principles_and_domain_levels_apart() -> None:
    """Principles and first-level domains are separate panels, no child domain gets a bar (it
    would count its answers a second time beside its parent), and the share of answers with no
    theme is written under the chart."""
    report = _levels_report()
    fig = chart_figure(report, "zh", ZONE, most=50)
    taxonomy = load_taxonomy()
    principles = {t.name_zh for t in taxonomy.themes if t.kind == "principle"}
    first = {t.name_zh for t in taxonomy.themes if t.kind == "domain" and t.parent is None}
    top_row = {label.get_text() for label in fig.axes[0].get_yticklabels()}
    bottom_row = {label.get_text() for label in fig.axes[2].get_yticklabels()}
    assert top_row == principles
    assert bottom_row == first
    assert "治理原则" in fig.axes[0].get_title() and "服务领域" in fig.axes[2].get_title()
    assert any("未归入任何主题：25% 的回答" in t.get_text() for t in fig.texts)


def test_a_section_cut_to_its_most_mentioned_themes_says_so() -> None:
    """With more principles mentioned than the chart draws (the demo's digest mentioned nine
    and drew eight, 公平 missing without a word), a note says only the most mentioned are
    drawn and where the rest are; a chart that draws every theme has no such note."""
    report = every_theme_report()
    notes = " ".join(t.get_text() for t in chart_figure(report, "zh", ZONE).texts)
    assert "只画出提及最多的 8 项" in notes, notes
    english = " ".join(t.get_text() for t in chart_figure(report, "en", ZONE).texts)
    assert "8 most mentioned" in english, english
    whole = " ".join(t.get_text() for t in chart_figure(report, "zh", ZONE, most=40).texts)
    assert "只画出" not in whole, whole


# Names that matplotlib would read as mathtext between two `$`: the first two do not parse
# (the chart, and with it the digest, failed), the third drew "b" in italics without the `$`.
DOLLAR_NAMES = ["$x^$", r"$\frac$", "a$b$c"]


def test_names_with_dollar_signs_are_drawn_as_typed() -> None:
    """Community and theme names holding `$` (an organiser's "Fees ($) and rent ($)", a group
    named `$x^$`) are drawn as they are, never as mathtext: the chart renders, and every text
    showing such a name is drawn literally."""
    report = every_theme_report()
    fees = report.themes[0].model_copy(
        update={"name_zh": "收费 ($) 与房租 ($)", "count": 90, "share": 0.9}
    )
    themes = [fees, *report.themes[1:]]
    parts = [
        p.model_copy(update={"name": DOLLAR_NAMES[0], "themes": themes})
        for p in report.per_community[:1]
    ]
    quiet = [
        CommunityPart(name=name, participants=0, answers=0, themes=[], poll=None)
        for name in DOLLAR_NAMES[1:]
    ]
    report = report.model_copy(
        update={
            "themes": themes,
            "per_community": [*parts, *quiet],
            "communities": DOLLAR_NAMES,
        }
    )
    assert render_chart(report, "zh", ZONE).startswith(b"\x89PNG\r\n\x1a\n")
    fig = chart_figure(report, "zh", ZONE)
    shown = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    for name in [*DOLLAR_NAMES, fees.name_zh]:
        assert any(name in t.get_text() for t in shown), name
    assert [t.get_text() for t in shown if t.get_parse_math()] == []


def _city_report(answering: int, quiet: int) -> Report:
    """A city: `answering` communities with answers (社区0 fewest, then one more each) and
    `quiet` without any, and no period before."""
    report = every_theme_report()
    busy = [
        report.per_community[0].model_copy(update={"name": f"社区{i}", "answers": 10 + i})
        for i in range(answering)
    ]
    idle = [
        CommunityPart(name=f"安静社区{i}", participants=0, answers=0, themes=[], poll=None)
        for i in range(quiet)
    ]
    parts = [*busy, *idle]
    return report.model_copy(
        update={"per_community": parts, "communities": [p.name for p in parts], "previous": None}
    )


def test_a_city_of_many_communities_gets_a_chart_telegram_takes() -> None:
    """Telegram refuses a photo whose width and height add up to more than 10,000 pixels (and
    the staff chat was then given up, the CSV unsent): one panel per community passed that
    from 15 communities with answers on. A city gets the panel of all communities and those of
    the busiest few; a note says how many more were counted in it, and the communities without
    answers are counted, not all named."""
    report = _city_report(40, 500)
    png = render_chart(report, "zh", ZONE)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width + height <= 10_000 and max(width, height) <= 20 * min(width, height)
    fig = chart_figure(report, "zh", ZONE)
    titles = [ax.get_title() for ax in fig.axes[:MAX_PANELS]]
    assert titles[0] == "治理原则 · 全部社区"
    assert titles[1:] == [
        f"治理原则 · 社区{i} · {10 + i} 条回答" for i in range(39, 39 - MAX_PANELS + 1, -1)
    ]
    assert len(fig.axes) == 2 * MAX_PANELS
    notes = "\n".join(t.get_text() for t in fig.texts)
    assert f"{40 - MAX_PANELS + 1} 个" in notes and "500 个" in notes
    assert "安静社区0" in notes and "安静社区499" not in notes
    assert len(notes) < 400
