"""Poll and rating reports show voters and the result; a round nobody joined thanks nobody."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.reports import Change, CommunityChange, build_round_report
from bot.render.report import render_report, render_summary
from bot.render.widths import display_width
from tests.bot.pollseed import BIHAI, HUIZHAN, open_test_core, seed_round

ZONE = ZoneInfo("Asia/Shanghai")


async def test_rating_report_shows_voters_and_average_not_zero_answers(tmp_path: Path) -> None:
    """A rating round voted 2, 2, 4 in one community reads as 3 voters with an average, never
    "回答：0" or a per-community "主要主题：— · 2 67%"."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(core, "rating", {BIHAI: [[2], [2], [4]], HUIZHAN: []})
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    zh = render_report(report, "zh", ZONE)
    assert "回答：0" not in zh and "主要主题：—" not in zh
    assert "参与居民：3" in zh and "评分人数：3" in zh and "平均分：2.67" in zh
    assert f"  {BIHAI}：评分 3 人；平均分 2.67" in zh
    assert f"  {HUIZHAN}：没有人投票" in zh
    en = render_report(report, "en", ZONE)
    assert "Answers: 0" not in en and f"  {BIHAI}: 3 rated; average 2.67" in en


async def test_poll_report_names_the_leading_option_per_community(tmp_path: Path) -> None:
    """A poll's per-community line names its most voted option with votes and share."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(
            core,
            "poll",
            {BIHAI: [[0], [0], [1]], HUIZHAN: [[2]]},
            options=["停车位", "绿化", "路灯照明"],
        )
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    zh = render_report(report, "zh", ZONE)
    assert f"  {BIHAI}：投票 3 人；最多：停车位（2 票，67%）" in zh
    assert f"  {HUIZHAN}：投票 1 人；最多：路灯照明（1 票，100%）" in zh
    # Option rows line up by display width, whatever mix of Chinese lengths the options have.
    rows = [line for line in zh.split("\n") if line.startswith(("  停车位", "  绿化", "  路灯"))]
    votes_end = {display_width(row.split("%")[0]) for row in rows}
    assert len(rows) == 3 and len(votes_end) == 1, rows


async def test_a_tie_for_most_votes_names_every_leading_option(tmp_path: Path) -> None:
    """Two options with as many votes each are both named, not the first of them alone: an
    official reading "最多：停车位" would think parking led when lighting had as many votes."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(
            core,
            "poll",
            {BIHAI: [[0], [2], [0], [2]], HUIZHAN: [[1]]},
            options=["停车位", "绿化", "路灯照明"],
        )
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    zh = render_report(report, "zh", ZONE)
    assert f"  {BIHAI}：投票 4 人；最多：停车位、路灯照明（各 2 票，50%）" in zh
    assert f"  {HUIZHAN}：投票 1 人；最多：绿化（1 票，100%）" in zh
    en = render_report(report, "en", ZONE)
    assert f"  {BIHAI}: 4 voters; most: 停车位, 路灯照明 (2 votes each, 50%)" in en


async def test_summary_thanks_only_when_someone_took_part(tmp_path: Path) -> None:
    """The closing summary thanks residents after a vote, and says nobody took part after none."""
    core = await open_test_core(tmp_path)
    try:
        voted = await seed_round(core, "rating", {BIHAI: [[5]]})
        empty = await seed_round(core, "rating", {})
        voted_report = await build_round_report(core, voted)
        empty_report = await build_round_report(core, empty)
    finally:
        await core.repo.close()
    assert voted_report is not None and empty_report is not None
    assert "谢谢每一位参与的居民" in render_summary(voted_report, "zh")
    nobody = render_summary(empty_report, "zh")
    assert "谢谢" not in nobody and "这一轮没有居民参与" in nobody
    assert "Thank you" not in render_summary(empty_report, "en")


async def test_a_change_says_nothing_false_beside_an_empty_period_or_a_rating(
    tmp_path: Path,
) -> None:
    """Beside a rating round the change names participants only ("回答 +0" would say nothing);
    beside a period nobody took part in it says there is nothing to compare, instead of this
    period's own figures dressed up as "+3" and "+100pp"."""
    core = await open_test_core(tmp_path)
    try:
        round_id = await seed_round(core, "rating", {BIHAI: [[2], [2], [4]], HUIZHAN: []})
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    earlier = Change(label="#7", participants=5, answers=0, themes={})
    zh = render_report(report.model_copy(update={"previous": earlier}), "zh", ZONE)
    assert "与 #7 相比：参与 -2" in zh and "回答 +0" not in zh
    en = render_report(report.model_copy(update={"previous": earlier}), "en", ZONE)
    assert "Compared with #7: participants -2" in en and "answers" not in en.split("#7")[1]

    empty = Change(
        label="2026-11-18 – 2026-11-25",
        participants=0,
        answers=0,
        themes={},
        per_community={BIHAI: CommunityChange(participants=0, answers=0, themes={})},
    )
    zh = render_report(report.model_copy(update={"previous": empty}), "zh", ZONE)
    assert "2026-11-18 – 2026-11-25 没有居民参与，无从比较。" in zh
    assert "参与 +3" not in zh and "个百分点" not in zh and "pp" not in zh
    en = render_report(report.model_copy(update={"previous": empty}), "en", ZONE)
    assert "Nobody took part in 2026-11-18 – 2026-11-25" in en and "+3" not in en
