"""The digest chart: theme shares this period against the last, per community (PNG).

Labels are Chinese, so the chart uses the Noto Sans CJK font the project installs
(package cvttf-NotoSansCJK-Regular), never whatever the machine happens to have.
"""

from __future__ import annotations

import io
from datetime import date, timedelta, tzinfo
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.core.reports import CommunityPart, Report, ThemeShare, top_themes
from bot.render.texts import Lang, say


@cache
def cjk_font_path() -> Path:
    """The CJK font file shipped with the project's dependencies."""
    import cvttf_NotoSansCJK_Regular as font_package  # type: ignore[import-untyped]

    return Path(font_package.get_TTF_path())


@cache
def _font() -> font_manager.FontProperties:
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def chart_texts(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> list[str]:
    """Every text the chart draws: title, panel titles, theme labels, legend and axis."""
    start, end = _period_dates(report, zone)
    texts = [say("chart_title", lang, start=start, end=end)]
    texts += _theme_labels(top_themes(report.themes, most), lang)
    texts += [say("chart_this_period", lang), say("chart_previous", lang)]
    texts += [say("chart_share", lang), say("chart_all", lang)]
    texts += [_panel_title(part, lang) for part in report.per_community]
    return texts


def _period_dates(report: Report, zone: tzinfo) -> tuple[date, date]:
    # The period [opens_at, closes_at) ends at the digest's fire time: its last day is the
    # day before when it fires at midnight, so show the last second's date.
    last = report.closes_at - timedelta(seconds=1)
    return report.opens_at.astimezone(zone).date(), last.astimezone(zone).date()


def _theme_labels(themes: list[ThemeShare], lang: Lang) -> list[str]:
    return [t.name_zh if lang == "zh" else t.name_en for t in themes]


def _panel_title(part: CommunityPart | None, lang: Lang) -> str:
    if part is None:
        return say("chart_all", lang)
    return f"{part.name} · " + say("chart_answers", lang, answers=part.answers)


def render_chart(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> bytes:
    """A PNG: for each community, horizontal bars of the top themes' share of its answers this
    period (blue) against its own share in the period before (grey)."""
    font = _font()
    top = top_themes(report.themes, most)
    labels = _theme_labels(top, lang)
    parts: list[CommunityPart | None] = list(report.per_community) or [None]
    before_all = report.previous.themes if report.previous else {}
    before_parts = report.previous.per_community if report.previous else {}
    rows = list(range(len(top)))
    # The object API (no pyplot): no global state, safe beside the bot's event loop.
    fig = Figure(figsize=(5.2 * len(parts) + 1.4, 0.5 * max(len(top), 3) + 2.0))
    axes = fig.subplots(1, len(parts), squeeze=False, sharey=True, sharex=True)
    for index, part in enumerate(parts):
        ax = axes[0][index]
        shares = {t.id: t.share for t in (part.themes if part else report.themes)}
        if part is None:
            before = before_all
        else:
            earlier = before_parts.get(part.name)
            before = earlier.themes if earlier else {}
        now = [shares.get(t.id, 0.0) * 100 for t in top]
        then = [before.get(t.id, 0.0) * 100 for t in top]
        ax.barh(
            [r - 0.2 for r in rows],
            now,
            height=0.4,
            color="#2b7bba",
            label=say("chart_this_period", lang),
        )
        ax.barh(
            [r + 0.2 for r in rows],
            then,
            height=0.4,
            color="#bdbdbd",
            label=say("chart_previous", lang),
        )
        for row, value in zip(rows, now, strict=True):
            if value > 0:
                ax.text(value, row - 0.2, f" {value:.0f}%", va="center", fontsize=8)
        ax.set_yticks(rows)
        ax.set_yticklabels(labels, fontproperties=font)
        if index == 0:
            ax.invert_yaxis()  # the y axis is shared: inverting it per panel would undo it
        ax.set_xlabel(say("chart_share", lang), fontproperties=font)
        ax.set_title(_panel_title(part, lang), fontproperties=font)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        if index == 0:
            ax.legend(prop=font, loc="lower right")
    start, end = _period_dates(report, zone)
    fig.suptitle(say("chart_title", lang, start=start, end=end), fontproperties=font)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()
