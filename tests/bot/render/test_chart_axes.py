"""The digest chart's share axis: from 0 %, room for the bar labels, and a week of votes alone
says so instead of drawing empty panels."""

from __future__ import annotations

from bot.core.reports import CommunityPart, OptionResult, PollResult, Report
from bot.render.chart import chart_figure
from tests.bot.render.test_chart import ZONE, every_theme_report


def _votes_only_week() -> Report:
    """A week in which residents only voted in a rating round: no written answer at all."""
    report = every_theme_report()
    rating = PollResult(
        voters=1,
        options=[
            OptionResult(text=str(v), votes=int(v == 4), share=float(v == 4)) for v in range(1, 6)
        ],
        average=4.0,
    )
    parts = [
        CommunityPart(name=p.name, participants=1, answers=0, themes=[], poll=None)
        for p in report.per_community
    ]
    return report.model_copy(
        update={
            "answers": 0,
            "participants": 1,
            "themes": [],
            "per_community": parts,
            "previous": None,
            "poll": rating,
        }
    )


def test_a_week_of_votes_alone_draws_no_negative_share_axis_and_says_why() -> None:
    """With votes but no written answer, the chart has no empty panel with a share axis running
    from -0.04 % to 0.04 % (what organisers saw in the sandbox after a rating round): it says
    there were no written answers to sort into themes."""
    fig = chart_figure(_votes_only_week(), "zh", ZONE)
    for ax in fig.axes:
        low, _ = ax.get_xlim()
        assert low >= 0, f"panel {ax.get_title()!r} has a share axis from {low:.2f} %"
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "没有文字回答" in notes, notes
    english = " ".join(t.get_text() for t in chart_figure(_votes_only_week(), "en", ZONE).texts)
    assert "no written answers" in english.lower(), english


def test_the_longest_bar_leaves_room_for_its_label() -> None:
    """The axis runs from 0 and past the longest bar, so its "50%" label is drawn inside the
    panel (in the demo's digest.png it touched the right frame)."""
    report = every_theme_report()
    top = max(t.share for t in report.themes) * 100
    fig = chart_figure(report, "zh", ZONE)
    assert fig.axes, "the chart has no panel to check"
    for ax in fig.axes:
        low, high = ax.get_xlim()
        assert low == 0
        assert high >= top * 1.1, f"axis ends at {high:.1f} %, the longest bar is {top:.0f} %"
