"""The digest chart: theme shares this period against the last, per community (PNG).

Labels are Chinese, so the chart uses the Noto Sans CJK font the project installs
(package cvttf-NotoSansCJK-Regular), never whatever the machine happens to have.
Names are drawn as typed (`parse_math=False`): a community or theme name with two `$` is
not matplotlib mathtext, which drew it wrong or, not parsing, failed the whole digest.
"""

from __future__ import annotations

import io
from datetime import date, timedelta, tzinfo
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from bot.core.reports import CommunityPart, Report, ThemeShare, top_of
from bot.render.drawing import one_at_a_time
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


def _sections(report: Report, most: int) -> list[tuple[str, list[ThemeShare]]]:
    """The chart's two separate sections: principles, then first-level service domains (child
    domains are a finer level; adding them to these bars would count answers twice). A section
    with no theme this period is left out; with neither, the domains section stays (empty)."""
    sections = [
        ("chart_principles", top_of(report.themes, "principle", 1, most)),
        ("chart_domains", top_of(report.themes, "domain", 1, most)),
    ]
    kept = [(key, themes) for key, themes in sections if themes]
    return kept or [sections[1]]


def chart_texts(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> list[str]:
    """Every text the chart draws: title, section and panel titles, theme labels, legend, axis,
    notes."""
    start, end = _period_dates(report, zone)
    texts = [say("chart_title", lang, start=start, end=end)]
    if report.answers == 0:
        return [*texts, say("chart_votes_only", lang)]
    for key, themes in _sections(report, most):
        texts.append(say(key, lang))
        texts += _theme_labels(themes, lang)
    texts += [say("chart_this_period", lang), say("chart_previous", lang)]
    texts += [say("chart_share", lang), say("chart_all", lang)]
    drawn, _, _ = _panels(report)
    texts += [_panel_title(part, lang) for part in drawn]
    texts += _notes(report, lang, most)
    texts += [say("chart_votes_only", lang), say("chart_no_themes", lang, answers=0)]
    return texts


def _cut(report: Report, most: int) -> bool:
    """Whether a section has more themes mentioned than it draws (the rest go unseen)."""
    return any(
        sum(1 for t in report.themes if t.kind == kind and t.level == 1 and t.count) > most
        for kind in ("principle", "domain")
    )


def _untagged_note(report: Report, lang: Lang) -> str:
    return say("chart_untagged", lang, share=f"{report.untagged_share * 100:.0f}%")


#: At most this many panels side by side: the community panels grew the chart 5.2 inches each,
#: and Telegram refuses a photo whose width and height add up to more than 10,000 pixels (15
#: communities with answers). Above it, the panel of all communities and the busiest others.
MAX_PANELS = 6
#: Communities without answers named in the note at most; above it, counted.
QUIET_NAMES = 8


def _panels(report: Report) -> tuple[list[CommunityPart | None], list[str], int]:
    """The panels to draw (communities with answers, or one for all), the names left out for
    having no answers, and how many communities with answers have no panel of their own.

    A community with no answers would be an empty panel: on a quiet week most of the chart
    would be blank, so it is named in a note line instead. More than MAX_PANELS communities
    with answers get the panel of all communities and those of the MAX_PANELS - 1 busiest.
    """
    drawn: list[CommunityPart | None] = [p for p in report.per_community if p.answers > 0]
    quiet = [p.name for p in report.per_community if p.answers == 0]
    if not drawn:
        drawn = [None]
    elif len(report.per_community) == 1:
        quiet = []
    more = 0
    if len(drawn) > MAX_PANELS:
        busiest = sorted(
            (p for p in drawn if p is not None), key=lambda p: p.answers, reverse=True
        )[: MAX_PANELS - 1]
        more = len(drawn) - len(busiest)
        drawn = [None, *busiest]
    return drawn, quiet, more


def _quiet_note(names: list[str], lang: Lang) -> str:
    sep = "、" if lang == "zh" else ", "
    if len(names) <= QUIET_NAMES:
        return say("chart_quiet", lang, names=sep.join(names))
    return say("chart_quiet_many", lang, count=len(names), names=sep.join(names[:QUIET_NAMES]))


def _notes(report: Report, lang: Lang, most: int) -> list[str]:
    """The lines under the chart: the share of answers without a theme, whether a section
    draws only its `most` most mentioned themes, the communities with answers but no panel of
    their own, those without answers."""
    _, quiet, more = _panels(report)
    notes = [_untagged_note(report, lang)]
    if _cut(report, most):
        notes.append(say("chart_cut", lang, most=most))
    if more:
        notes.append(say("chart_more", lang, count=more))
    if quiet:
        notes.append(_quiet_note(quiet, lang))
    return notes


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
    """The digest chart as a matplotlib Figure: one row of panels for governance principles and
    one for first-level service domains (never mixed, never summed); in each, for each
    community with answers, horizontal bars of the top themes' share of its answers this period
    (blue) and, when it had answers in the period before, its share then (grey); above
    MAX_PANELS such communities, the panel of all of them and the busiest (see `_panels`). A
    note says what share of answers had no theme at all. A period of votes alone (no written
    answer to sort into themes) gets a one-line note instead of empty panels."""
    font = _font()
    sections = _sections(report, most)
    if not any(themes for _, themes in sections):
        # No bar to draw (a week of votes only, or no answer with a theme): empty panels on an
        # axis around 0% would say nothing, so say why in words.
        return _message_figure(report, lang, zone, _no_themes_text(report, lang))
    parts, _, _ = _panels(report)
    heights = [max(len(themes), 2) for _, themes in sections]
    fig = Figure(figsize=(5.2 * len(parts) + 1.8, 0.45 * sum(heights) + 1.6 * len(sections) + 1.2))
    # The object API (no pyplot): no global state, safe beside the bot's event loop.
    axes = fig.subplots(
        len(sections),
        len(parts),
        squeeze=False,
        sharex=True,
        gridspec_kw={"height_ratios": heights},
    )
    legend: dict[str, BarContainer] = {}
    longest = 0.0
    for row_index, (key, top) in enumerate(sections):
        labels = _theme_labels(top, lang)
        rows = list(range(len(top)))
        for index, part in enumerate(parts):
            ax = axes[row_index][index]
            shares = {t.id: t.share for t in (part.themes if part else report.themes)}
            before = _before(report, part)
            now = [shares.get(t.id, 0.0) * 100 for t in top]
            offset = 0.2 if before is not None else 0.0
            legend[say("chart_this_period", lang)] = ax.barh(
                [r - offset for r in rows], now, height=0.4, color="#2b7bba"
            )
            then = [before.get(t.id, 0.0) * 100 for t in top] if before is not None else []
            if before is not None:
                legend[say("chart_previous", lang)] = ax.barh(
                    [r + offset for r in rows], then, height=0.4, color="#bdbdbd"
                )
            longest = max([longest, *now, *then])
            for row, value in zip(rows, now, strict=True):
                if value > 0:
                    ax.text(value, row - offset, f" {value:.0f}%", va="center", fontsize=8)
            ax.set_yticks(rows)
            ax.set_yticklabels(labels if index == 0 else [], fontproperties=font, parse_math=False)
            ax.set_ylim(len(top) - 0.5 if top else 0.5, -0.5)  # most mentioned on top
            if row_index == len(sections) - 1:
                ax.set_xlabel(say("chart_share", lang), fontproperties=font, parse_math=False)
            title = say(key, lang)
            if len(parts) > 1 or part is not None:
                title += " · " + _panel_title(part, lang)
            ax.set_title(title, fontproperties=font, fontsize=10, parse_math=False)
            ax.grid(axis="x", alpha=0.3)
            ax.set_axisbelow(True)
    # Shares start at 0 % (no empty panel reaching below it) and leave room past the longest
    # bar for its label; the panels share this axis.
    axes[0][0].set_xlim(0, max(10.0, longest * 1.15))
    # One legend naming only what some panel draws: "上周" only when there was a last week.
    axes[0][0].legend(list(legend.values()), list(legend), prop=font, loc="lower right")
    start, end = _period_dates(report, zone)
    fig.suptitle(
        say("chart_title", lang, start=start, end=end), fontproperties=font, parse_math=False
    )
    notes = _notes(report, lang, most)
    fig.text(0.01, 0.01, "\n".join(notes), fontproperties=font, fontsize=9, parse_math=False)
    fig.tight_layout(rect=(0, 0.035 * len(notes) + 0.01, 1, 1))
    return fig


def _no_themes_text(report: Report, lang: Lang) -> str:
    """Why a period with activity has no theme bars."""
    if report.answers == 0:
        return say("chart_votes_only", lang)
    return say("chart_no_themes", lang, answers=report.answers)


def _message_figure(report: Report, lang: Lang, zone: tzinfo, message: str) -> Figure:
    """A chart with the title and dates and one line of text instead of bars."""
    font = _font()
    start, end = _period_dates(report, zone)
    fig = Figure(figsize=(7.0, 2.2))
    fig.suptitle(
        say("chart_title", lang, start=start, end=end), fontproperties=font, parse_math=False
    )
    fig.text(
        0.5,
        0.45,
        message,
        ha="center",
        va="center",
        fontproperties=font,
        fontsize=11,
        parse_math=False,
    )
    return fig


@one_at_a_time
def render_quiet_chart(report: Report, lang: Lang, zone: tzinfo) -> bytes:
    """The chart file of a period without any answer or vote (`minyi digest --out` writes a
    chart every week): the title and dates, and one line saying nothing came in. The bot
    sends no chart for such a week, only its one-line note."""
    fig = _message_figure(report, lang, zone, say("chart_no_answers", lang))
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()


@one_at_a_time
def render_chart(report: Report, lang: Lang, zone: tzinfo, most: int = 8) -> bytes:
    """The digest chart as PNG bytes (see `chart_figure`)."""
    out = io.BytesIO()
    chart_figure(report, lang, zone, most).savefig(out, format="png", dpi=110)
    return out.getvalue()
