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
from matplotlib.container import BarContainer
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
    """Every text the chart draws: title, panel titles, theme labels, legend, axis, note."""
    start, end = _period_dates(report, zone)
    texts = [say("chart_title", lang, start=start, end=end)]
    texts += _theme_labels(top_themes(report.themes, most), lang)
    texts += [say("chart_this_period", lang), say("chart_previous", lang)]
    texts += [say("chart_share", lang), say("chart_all", lang)]
    drawn, quiet = _panels(report)
    texts += [_panel_title(part, lang) for part in drawn]
    if quiet:
        texts.append(_quiet_note(quiet, lang))
    return texts


def _panels(report: Report) -> tuple[list[CommunityPart | None], list[str]]:
    """The panels to draw (communities with answers, or one for all) and the names left out.

    A community with no answers would be an empty panel: on a quiet week most of the chart
    would be blank, so it is named in a note line instead.
    """
    drawn: list[CommunityPart | None] = [p for p in report.per_community if p.answers > 0]
    quiet = [p.name for p in report.per_community if p.answers == 0]
    if not drawn:
        drawn = [None]
    elif len(report.per_community) == 1:
        quiet = []
    return drawn, quiet


def _quiet_note(names: list[str], lang: Lang) -> str:
    return say("chart_quiet", lang, names=("、" if lang == "zh" else ", ").join(names))


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


def _before(report: Report, part: CommunityPart | None) -> dict[str, float] | None:
    """Theme shares of the period before for this panel; None when it had no answers then
    (a grey bar of 0% everywhere, and a legend entry for it, would claim a last week)."""
    previous = report.previous
    if previous is None:
        return None
    if part is None:
        return previous.themes if previous.answers > 0 else None
    earlier = previous.per_community.get(part.name)
    return earlier.themes if earlier is not None and earlier.answers > 0 else None


def chart_figure(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> Figure:
    """The digest chart as a matplotlib Figure: for each community with answers, horizontal
    bars of the top themes' share of its answers this period (blue) and, when it had answers
    in the period before, its share then (grey)."""
    font = _font()
    top = top_themes(report.themes, most)
    labels = _theme_labels(top, lang)
    parts, quiet = _panels(report)
    rows = list(range(len(top)))
    note = 0.35 if quiet else 0.0
    # The object API (no pyplot): no global state, safe beside the bot's event loop.
    fig = Figure(figsize=(5.2 * len(parts) + 1.4, 0.5 * max(len(top), 3) + 2.0 + note))
    axes = fig.subplots(1, len(parts), squeeze=False, sharey=True, sharex=True)
    legend: dict[str, BarContainer] = {}
    for index, part in enumerate(parts):
        ax = axes[0][index]
        shares = {t.id: t.share for t in (part.themes if part else report.themes)}
        before = _before(report, part)
        now = [shares.get(t.id, 0.0) * 100 for t in top]
        offset = 0.2 if before is not None else 0.0
        legend[say("chart_this_period", lang)] = ax.barh(
            [r - offset for r in rows], now, height=0.4, color="#2b7bba"
        )
        if before is not None:
            then = [before.get(t.id, 0.0) * 100 for t in top]
            legend[say("chart_previous", lang)] = ax.barh(
                [r + offset for r in rows], then, height=0.4, color="#bdbdbd"
            )
        for row, value in zip(rows, now, strict=True):
            if value > 0:
                ax.text(value, row - offset, f" {value:.0f}%", va="center", fontsize=8)
        ax.set_yticks(rows)
        ax.set_yticklabels(labels, fontproperties=font)
        if index == 0:
            ax.invert_yaxis()  # the y axis is shared: inverting it per panel would undo it
        ax.set_xlabel(say("chart_share", lang), fontproperties=font)
        ax.set_title(_panel_title(part, lang), fontproperties=font)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    # One legend naming only what some panel draws: "上周" only when there was a last week.
    axes[0][0].legend(list(legend.values()), list(legend), prop=font, loc="lower right")
    start, end = _period_dates(report, zone)
    fig.suptitle(say("chart_title", lang, start=start, end=end), fontproperties=font)
    if quiet:
        fig.text(0.01, 0.01, _quiet_note(quiet, lang), fontproperties=font, fontsize=9)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    else:
        fig.tight_layout()
    return fig


def render_chart(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> bytes:
    """The digest chart as PNG bytes (see `chart_figure`)."""
    out = io.BytesIO()
    chart_figure(report, lang, zone, most).savefig(out, format="png", dpi=110)
    return out.getvalue()
