"""The digest chart: theme shares this period against the last, per community (PNG).

Labels are Chinese, so the chart uses the Noto Sans CJK font the project installs
(package cvttf-NotoSansCJK-Regular), never whatever the machine happens to have.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.reports import Report
from bot.texts import Lang, say


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


def chart_labels(report: Report, lang: Lang, most: int = 8) -> list[str]:
    """The theme labels the chart shows (the most mentioned this period)."""
    top = sorted(report.themes, key=lambda t: -t.count)[:most]
    return [t.name_zh if lang == "zh" else t.name_en for t in top]


def render_chart(report: Report, lang: Lang, most: int = 8) -> bytes:
    """A PNG: for each community, horizontal bars of theme share now vs the period before."""
    font = _font()
    top = sorted(report.themes, key=lambda t: -t.count)[:most]
    labels = chart_labels(report, lang, most)
    parts = report.per_community or []
    panels = max(1, len(parts))
    # The object API (no pyplot): no global state, safe beside the bot's event loop.
    fig = Figure(figsize=(5.5 * panels, 0.45 * max(len(top), 3) + 1.8))
    axes = fig.subplots(1, panels, squeeze=False, sharey=True)
    previous = report.previous.themes if report.previous else {}
    for index in range(panels):
        ax = axes[0][index]
        part = parts[index] if parts else None
        shares = {t.id: t.share for t in (part.themes if part else report.themes)}
        now = [shares.get(t.id, 0.0) * 100 for t in top]
        before = [previous.get(t.id, 0.0) * 100 for t in top]
        rows = list(range(len(top)))
        ax.barh(
            [r + 0.2 for r in rows],
            now,
            height=0.4,
            color="#2b7bba",
            label=say("chart_this_period", lang),
        )
        ax.barh(
            [r - 0.2 for r in rows],
            before,
            height=0.4,
            color="#bdbdbd",
            label=say("chart_previous", lang),
        )
        ax.set_yticks(rows)
        ax.set_yticklabels(labels, fontproperties=font)
        ax.invert_yaxis()
        ax.set_xlabel(say("chart_share", lang), fontproperties=font)
        title = part.name if part else say("chart_all", lang)
        if part:
            title += " · " + say("chart_answers", lang, answers=part.answers)
        ax.set_title(title, fontproperties=font)
        ax.grid(axis="x", alpha=0.3)
        if index == 0:
            ax.legend(prop=font, loc="lower right")
    fig.suptitle(
        say("chart_title", lang, start=report.opens_at.date(), end=report.closes_at.date()),
        fontproperties=font,
    )
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()
