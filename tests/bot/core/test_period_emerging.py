"""A period report (the weekly digest) leaves out of its emerging terms the words of the
questions its answers replied to, as a round's own report does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.reports import build_period_report, build_round_report
from tests.seeding import seed_text_round

QUESTION = "你觉得跳蚤市场办得怎么样？"
ANSWERS = [
    "周末的跳蚤市场能不能多办几次，上班族也能来。",
    "跳蚤市场的摊位太少了，线上报名一下就满。",
    "希望跳蚤市场线上预约，上班族晚上也能参加。",
    "跳蚤市场办得好，大家交换旧东西很开心。",
]


async def test_the_questions_words_do_not_emerge_in_the_period_report(tmp_path: Path) -> None:
    """跳蚤市场 is the question's word: neither the round's report nor the week's lists it,
    while the residents' own 上班族 and 线上 emerge in both."""
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    core = await open_core(settings_from_dict(data, environ={}), secret=b"k")
    try:
        round_id, _ = await seed_text_round(
            core, ANSWERS, opened_ago=timedelta(hours=1), question=QUESTION
        )
        now = datetime.now(UTC)
        week = await build_period_report(core, now - timedelta(days=7), now + timedelta(minutes=1))
        round_report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert round_report is not None
    for report in (round_report, week):
        terms = {str(e["term"]) for e in report.emerging}
        assert "跳蚤市场" not in terms, terms
        assert {"上班族", "线上"} <= terms, terms


async def test_emerging_terms_are_listed_most_frequent_first(tmp_path: Path) -> None:
    """The report lists its emerging terms by count, highest first, as a reader expects."""
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    core = await open_core(settings_from_dict(data, environ={}), secret=b"k")
    try:
        round_id, _ = await seed_text_round(
            core,
            [
                *ANSWERS,
                "上班族太忙了，上班族也想参加。",
                "手机报名，手机预约，手机支付都要有。",
                "用手机报名更方便，手机上就能看摊位。",
            ],
            question=QUESTION,
        )
        report = await build_round_report(core, round_id)
    finally:
        await core.repo.close()
    assert report is not None
    counts = [int(str(e["count"])) for e in report.emerging]
    assert len(counts) >= 2 and counts == sorted(counts, reverse=True), report.emerging
    # 手机 (5) is commoner in general Chinese than 上班族 (4), so less unusual, but more said.
    assert [e["term"] for e in report.emerging][:2] == ["手机", "上班族"], report.emerging
