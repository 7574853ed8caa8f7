"""The closing summary's "大家最关心" names the themes most answers were about (SPEC §5).

It took the first five theme rows in the report's order (principles, then domains, then
sub-domains), so six answers all about parking, each naming a different principle, closed with
"大家最关心：透明 17%、参与 17%、问责 17%、公平 17%、效率 17%": 停车 and 交通运输, in every
answer, were left out of what residents were told mattered most.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.reports import build_round_report
from bot.render.report import render_summary
from tests.bot.pollseed import open_test_core
from tests.seeding import seed_text_round

ANSWERS = [
    "停车位太少，希望停车收费标准公开。",
    "停车位太少，希望居民参与停车位分配的讨论。",
    "停车位太少，乱停车没人追责。",
    "停车位太少，分配停车位要公平。",
    "停车位太少，停车办证效率太低。",
    "停车位太少，停车管理要依法进行。",
]


async def test_summary_names_the_most_mentioned_themes_of_any_kind(tmp_path: Path) -> None:
    """Six answers about parking, one principle each: the summary leads with 交通运输 100%
    and 停车 100%, and names no theme at 17% before them."""
    core = await open_test_core(tmp_path)
    try:
        round_id, _ = await seed_text_round(core, ANSWERS)
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    counts = {t.id: t.count for t in report.themes}
    assert counts["parking"] == counts["transport"] == 6, counts
    assert sum(1 for t in report.themes if t.kind == "principle") >= 5, counts
    line = next(x for x in render_summary(report, "zh").split("\n") if "大家最关心" in x)
    named = line.removeprefix("大家最关心：").split("、")
    assert sorted(named[:2]) == ["交通运输 100%", "停车 100%"], line
    en = next(x for x in render_summary(report, "en").split("\n") if "mattered most" in x)
    assert "Parking 100%" in en, en
