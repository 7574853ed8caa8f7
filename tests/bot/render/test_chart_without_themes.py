"""The digest chart of a week with votes but no theme to draw (SPEC §5).

A week whose only activity was a poll got a chart with one empty "服务领域" panel, an x axis
running from -0.04 to 0.04 "占回答的比例（%）", a legend for bars that were not there and
"未归入任何主题：0% 的回答" under it; a week whose answers matched no theme looked the same.
Such a chart now says in words why there are no bars, and a chart's share axis never goes
below 0%.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.reports import build_period_report
from bot.render.chart import chart_figure
from bot.render.digest import build_digest
from tests.bot.pollseed import NOW, open_test_core, seed_round
from tests.bot.render.test_chart import every_theme_report

ZONE = ZoneInfo("Asia/Shanghai")


def _words(fig_texts: list[str]) -> str:
    return "\n".join(fig_texts)


async def test_a_votes_only_week_gets_a_chart_that_says_so(tmp_path: Path) -> None:
    """Four votes and no answer: the digest's chart has no empty panel or negative axis, and
    says there were only votes, their results being in the digest text."""
    core = await open_test_core(tmp_path)
    try:
        await seed_round(
            core,
            "poll",
            {"碧海社区": [[0], [0], [1]], "会展城社区": [[2]]},
            ["停车位", "绿化", "路灯"],
        )
        digest = await build_digest(core, NOW + timedelta(hours=1), "zh")
        report = await build_period_report(
            core, NOW + timedelta(hours=1) - timedelta(days=7), NOW + timedelta(hours=1)
        )
    finally:
        await core.repo.close()
    assert digest.active and digest.chart_png is not None
    assert (report.participants, report.answers) == (4, 0)
    for lang, phrase in (("zh", "只有投票"), ("en", "only votes")):
        fig = chart_figure(report, lang, ZONE)
        assert fig.axes == [], [ax.get_title() for ax in fig.axes]
        words = _words([t.get_text() for t in fig.texts])
        assert phrase in words and "0%" not in words, words


def test_answers_without_any_theme_say_so_and_no_axis_goes_below_zero() -> None:
    """A week of answers none of which had a theme says so in words; a drawn chart's share axis
    starts at 0%."""
    report = every_theme_report()
    untagged = report.model_copy(
        update={
            "themes": [],
            "untagged": 80,
            "per_community": [
                p.model_copy(update={"themes": [], "untagged": 40}) for p in report.per_community
            ],
        }
    )
    fig = chart_figure(untagged, "zh", ZONE)
    assert fig.axes == []
    assert "80 条回答都没有归入任何主题" in _words([t.get_text() for t in fig.texts])
    drawn = chart_figure(report, "zh", ZONE)
    assert drawn.axes and all(ax.get_xlim()[0] == 0 for ax in drawn.axes)
