"""Reports count principles, first-level domains and child domains as separate levels, give
each theme's confidence, the share of answers with no theme, and the agreement with
organisers' labels (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.reports import Report, build_round_report
from bot.render.report import render_report
from tests.seeding import seed_text_round

ZONE = datetime.now(UTC).tzinfo
TEXTS = [
    "路边停车位太少了，晚上回来没地方停车。",  # parking on the street, and its parent transport
    "公交车太少了，等半小时。",  # transport (and construction), no child
    "今天天气不错。",  # no theme
    "物业管理太差，电梯坏了没人修。",  # property management and urban-rural construction
]


async def _core(tmp_path: Path) -> Core:
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    return await open_core(settings_from_dict(data, environ={}), secret=b"k")


async def _texts_report(tmp_path: Path) -> tuple[Core, Report]:
    """The report of TEXTS answered in a round opened five minutes ago, and the (closed) core
    that stored them."""
    core = await _core(tmp_path)
    try:
        round_id, _ = await seed_text_round(core, TEXTS, opened_ago=timedelta(minutes=5))
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    return core, report


async def test_levels_are_separate_and_counted_as_tagged(tmp_path: Path) -> None:
    """A child domain's answers are not added to its parent: each row counts the answers that
    carry that very theme, the child is level 2 under its parent, and confidences are means."""
    core, report = await _texts_report(tmp_path)
    by_id = {t.id: t for t in report.themes}
    tagged = [core.tagger.tag(text) for text in TEXTS]
    for theme_id in ("transport", "parking", "property_management"):
        expected = [t.score for tags in tagged for t in tags if t.id == theme_id]
        assert by_id[theme_id].count == len(expected)
        assert abs(by_id[theme_id].confidence - sum(expected) / len(expected)) < 1e-3
    assert by_id["parking"].level == 2 and by_id["parking"].parent == "transport"
    assert by_id["transport"].level == 1 and by_id["transport"].parent is None
    assert report.untagged == 1 and report.untagged_share == 0.25
    data = report.json_dict()
    assert data["untagged"] == 1 and data["untagged_share"] == 0.25
    themes = data["themes"]
    assert isinstance(themes, list)
    assert {"id", "name_zh", "kind", "count", "share", "level", "confidence"} <= set(themes[0])


async def test_report_text_has_separate_sections_and_untagged_share(tmp_path: Path) -> None:
    """The text puts child domains in their own section after the first-level categories and
    says how many answers had no theme."""
    _, report = await _texts_report(tmp_path)
    text = render_report(report, "zh", UTC)
    first = text.index("服务领域（一级类别）：")
    second = text.index("细分领域（另计，不计入上面的一级类别）：")
    assert first < text.index("  交通运输 2") < second < text.index("  停车 1")
    assert "未归入任何主题的回答：1（25%）" in text
    english = render_report(report, "en", UTC)
    assert "Answers with no theme: 1 (25%)" in english


async def test_agreement_with_labels(tmp_path: Path) -> None:
    """Reports say on what share of labelled answers the stored tags (principles and
    first-level domains, a child read as its parent) equal the organisers' labels."""
    core = await _core(tmp_path)
    try:
        round_id, ids = await seed_text_round(core, TEXTS, opened_ago=timedelta(minutes=5))
        now = datetime.now(UTC)
        async with core.repo.transaction() as session:
            # Agrees: parking and its parent transport are tagged, so {transport}.
            await session.set_label(ids[0], "org", ["transport"], now)
            # Disagrees: the tagger also says urban-rural construction.
            await session.set_label(ids[1], "org", ["transport"], now)
            # Agrees: no theme, none labelled.
            await session.set_label(ids[2], "org", [], now)
            # Skipped answers do not count.
            await session.set_label(ids[3], "org", [], now, skipped=True)
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None and report.agreement is not None
    assert (report.agreement.answers, report.agreement.agreed) == (3, 2)
    # The figure covers every label so far, not only this round's, and says so.
    text = render_report(report, "en", UTC)
    assert (
        "Tagging agrees with organisers' labels on 67% of all 3 answers labelled so far "
        "(not only this report's)"
    ) in text
    zh = render_report(report, "zh", UTC)
    assert "自动标注与组织者的标注一致：67%（按至今全部 3 条已标注回答计，不限于本报告）" in zh


async def test_agreement_covers_the_labels_of_other_rounds(tmp_path: Path) -> None:
    """A round whose own answers nobody labelled still shows the agreement so far (the labels
    of an earlier round), as its wording says."""
    core = await _core(tmp_path)
    try:
        _, ids = await seed_text_round(core, TEXTS[:1], opened_ago=timedelta(minutes=9))
        async with core.repo.transaction() as session:
            await session.set_label(ids[0], "org", ["transport"], datetime.now(UTC))
        later, _ = await seed_text_round(core, TEXTS[1:], opened_ago=timedelta(minutes=5))
        report = await build_round_report(core, later)
    finally:
        await core.repo.close()
    assert report is not None and report.agreement is not None
    assert report.agreement.answers == 1
    assert "of all 1 answer labelled so far" in render_report(report, "en", UTC)
