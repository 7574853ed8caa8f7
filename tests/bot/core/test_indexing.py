"""The index's use cases over a real SQLite file (SPEC §10): framework in force, imports whole
or not at all, consultation values, residents' voices and the digest's news."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.digest import gather_digest
from bot.core.errors import FrameworkError, IndexInputError, UsageError, ValuesError
from bot.core.indexing import (
    community_voices,
    compute,
    import_values,
    index_news,
    load_framework,
    store_framework,
)
from bot.core.parsing import RoundRequest
from bot.core.rounds import create_round
from bot.render.digest import render_digest
from bot.render.errors import describe_error
from storage.repository.index import ValueRow
from tests.bot.test_cli_index import FRAMEWORK
from tests.seeding import add_tagged_answer

NOW = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: period 2026-Q2


@pytest_asyncio.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """A core on a fresh SQLite file, its clock at NOW, two communities registered."""
    framework = tmp_path / "framework.toml"
    framework.write_text(FRAMEWORK, encoding="utf-8")
    settings = settings_from_dict(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
            "index": {"framework": str(framework), "min_coverage": 0.5},
        },
        environ={},
    )
    opened = await open_core(settings, secret=b"k")
    opened.clock = lambda: NOW
    async with opened.repo.transaction() as session:
        await session.set_community(-1, "碧海社区", NOW)
        await session.set_community(-2, "汇展城社区", NOW)
    try:
        yield opened
    finally:
        await opened.repo.close()


def _csv(*rows: str) -> bytes:
    return ("community,indicator,period,value\n" + "\n".join(rows) + "\n").encode()


async def test_the_configured_framework_is_used_until_one_is_stored(core: Core) -> None:
    """`index.framework` is in force until `minyi index framework` stores one; a broken file
    is refused and the stored one stays."""
    assert [i.id for i in (await load_framework(core)).indicators] == ["voice", "rent"]
    stored = FRAMEWORK.replace('id = "rent"', 'id = "rent_share"')
    await store_framework(core, stored.encode(), "new.toml")
    assert [i.id for i in (await load_framework(core)).indicators] == ["voice", "rent_share"]
    with pytest.raises(FrameworkError) as caught:
        await store_framework(
            core, FRAMEWORK.replace("target = 30", "target = 50").encode(), "b.toml"
        )
    assert "fields 'threshold' and 'target': equal (50)" in describe_error(caught.value, "en")
    assert [i.id for i in (await load_framework(core)).indicators] == ["voice", "rent_share"]


async def test_a_framework_in_force_before_scales_were_checked_still_loads(core: Core) -> None:
    """A framework stored by an earlier version with a 1–5 indicator's threshold at 0 (refused
    when stored now) stays in force: the index is still computed, not refused until someone
    stores a new one; storing that framework again is refused, naming the field."""
    off_scale = FRAMEWORK.replace("threshold = 2.0", "threshold = 0")
    assert off_scale != FRAMEWORK
    async with core.transaction() as session:
        await session.add_framework(off_scale, core.now().timestamp())
    framework = await load_framework(core)
    assert [i.threshold for i in framework.indicators if i.id == "voice"] == [0.0]
    with pytest.raises(FrameworkError) as caught:
        await store_framework(core, off_scale.encode(), "again.toml")
    assert "field 'threshold': 0 is off the scale 1–5" in describe_error(caught.value, "en")


async def test_an_import_is_whole_or_nothing_and_a_reimport_replaces_its_period(
    core: Core,
) -> None:
    """A file with one bad row stores nothing; importing the same file again for a period
    replaces what it gave for that period (a row left out is gone)."""
    with pytest.raises(ValuesError) as caught:
        await import_values(
            core, _csv("碧海社区,rent,2026-Q1,40", "某社区,rent,2026-Q1,40"), "v.csv"
        )
    assert "v.csv, line 3: unknown community “某社区”" in describe_error(caught.value, "en")
    async with core.repo.transaction() as session:
        assert await session.list_values() == []
    await import_values(
        core, _csv("碧海社区,rent,2026-Q1,40", "汇展城社区,rent,2026-Q1,45"), "v.csv"
    )
    await import_values(core, _csv("碧海社区,rent,2026-Q1,35"), "v.csv")
    async with core.repo.transaction() as session:
        rows = await session.list_values()
    assert [(r.community, r.value) for r in rows] == [("碧海社区", 35.0)]


async def _closed_rating(
    core: Core, indicator: str, closed: datetime, votes: dict[str, list[int]]
) -> int:
    """A closed `/rate --indicator` round with these ratings per community name."""
    async with core.repo.transaction() as session:
        ids = {c.name: c.id for c in await session.list_communities()}
        round_ = await session.add_round(
            kind="rating",
            state="open",
            question="满意吗？",
            community_ids=list(ids.values()),
            opens_at=closed - timedelta(hours=1),
            closes_at=closed,
            reminder_at=None,
            created_by="x",
            at=closed - timedelta(hours=1),
            indicator=indicator,
        )
        for name, ratings in votes.items():
            for n, value in enumerate(ratings):
                await session.set_votes(round_.id, ids[name], f"{name}{n}", [value], closed)
        await session.set_round_state(round_.id, "closed", closed, expect="open")
    return round_.id


async def test_the_latest_rating_round_in_the_period_gives_the_value_over_an_import(
    core: Core,
) -> None:
    """The mean rating of the latest /rate --indicator round closed within the period is the
    indicator's value there, replacing an imported value; a round closed in another quarter
    does not count for this one."""
    await import_values(core, _csv("碧海社区,voice,2026-Q2,2", "碧海社区,rent,2026-Q2,40"), "v.csv")
    await _closed_rating(core, "voice", NOW - timedelta(days=60), {"碧海社区": [5, 5]})  # Q1
    await _closed_rating(core, "voice", NOW - timedelta(days=10), {"碧海社区": [1, 2]})
    await _closed_rating(core, "voice", NOW - timedelta(days=1), {"碧海社区": [3, 4, 4]})
    result = await compute(core, "2026-Q2")
    bihai = next(c for c in result.communities if c.name == "碧海社区")
    assert bihai.indicators["voice"].value == pytest.approx(11 / 3)
    # voice (11/3 - 2) / 2.5 * 100 = 66.67; rent (40 - 50) / (30 - 50) * 100 = 50; equal
    # weights without a priorities round.
    assert bihai.index == pytest.approx(((11 / 3 - 2) / 2.5 * 100 + 50) / 2)
    q1 = await compute(core, "2026-Q1")
    assert [c.indicators["voice"].value for c in q1.communities if c.name == "碧海社区"] == [5.0]
    with pytest.raises(IndexInputError) as caught:
        await compute(core, "2025-Q4")
    assert "No indicator values for 2025-Q4" in describe_error(caught.value, "en")


async def test_voices_give_each_principle_its_share_and_quotes_from_the_period(
    core: Core,
) -> None:
    """Answers given in the period are counted per principle with up to three quotes from
    different residents; answers from before the period are not."""
    texts = [
        "希望居委会多开居民议事会，让大家都能参与讨论",
        "社区的事情应该让居民参与决定，听听大家的意见",
        "居民参与太少了，很多决定我们都不知道",
        "房租太贵了，低收入家庭负担不起",
    ]
    async with core.repo.transaction() as session:
        bihai = await session.get_community_by_name("碧海社区")
        assert bihai is not None
        round_ = await session.add_round(
            kind="text",
            state="closed",
            question="社区最需要改进什么？",
            community_ids=[bihai.id],
            opens_at=NOW - timedelta(days=200),
            closes_at=NOW,
            reminder_at=None,
            created_by="x",
            at=NOW - timedelta(days=200),
        )
        for n, text in enumerate([*texts, "以前的意见：居民参与很好"]):
            old = n == len(texts)
            await add_tagged_answer(
                core,
                session,
                round_.id,
                bihai.id,
                resident=f"r{n}",
                source=f"s{n}",
                text=text,
                at=NOW - timedelta(days=200 if old else 3),
            )
    tagged = [core.tagger.tag(t) for t in texts]
    participation = sum(any(t.id == "participation" for t in tags) for tags in tagged)
    assert participation >= 2  # the tagger sees participation in these words
    await import_values(core, _csv("碧海社区,rent,2026-Q2,40"), "v.csv")
    voices = await community_voices(core, await compute(core))
    mine = voices["碧海社区"]
    assert mine.answers == len(texts)
    assert mine.principles["participation"].share == pytest.approx(participation / len(texts))
    quotes = list(mine.principles["participation"].quotes)
    assert 2 <= len(quotes) <= 3 and set(quotes) <= set(texts)
    assert voices["汇展城社区"].answers == 0


async def test_the_digest_mentions_a_period_whose_values_arrived_in_its_week(core: Core) -> None:
    """Values imported during the digest's week put a line about that period in the digest;
    a week without imports has none."""
    assert await index_news(core, NOW - timedelta(days=7)) is None
    await import_values(
        core, _csv("碧海社区,rent,2026-Q1,45", "汇展城社区,rent,2026-Q1,40"), "a.csv"
    )
    await import_values(
        core, _csv("碧海社区,rent,2026-Q2,30", "汇展城社区,rent,2026-Q2,50"), "b.csv"
    )
    period = await gather_digest(core, NOW + timedelta(minutes=1))
    assert period.index is not None and period.index.period == "2026-Q2"
    # rent 30 -> 100 (was 45 -> 25, +75); 50 -> 0 (was 40 -> 50, -50).
    changes = [(c.name, round(c.change or 0.0, 6)) for c in period.index.changes]
    assert changes == [("碧海社区", 75.0), ("汇展城社区", -50.0)]
    text = render_digest(period, "zh", core.settings.schedule.tz).text
    assert "治理指数：2026-Q2 的新数据已到（2 个社区有指数）" in text
    assert "碧海社区 100.0（+75.0）" in text
    later = await gather_digest(core, NOW + timedelta(days=8))
    assert later.index is None


async def test_a_rate_round_names_its_indicator_in_any_case_and_stores_the_framework_id(
    core: Core,
) -> None:
    """`/rate --indicator VOICE …` feeds the framework's `voice`: the round stores the id as
    the framework spells it (so its ratings become that indicator's values); an id the
    framework lacks is refused with the known ones named."""
    async with core.repo.transaction() as session:
        communities = await session.list_communities()
    created = await create_round(
        core,
        RoundRequest(kind="rating", question="听取意见了吗？", duration=None, indicator="VOICE"),
        communities,
        actor="organiser",
    )
    assert created.round.indicator == "voice"
    with pytest.raises(UsageError) as caught:
        await create_round(
            core,
            RoundRequest(kind="rating", question="q", duration=None, indicator="noise"),
            communities,
            actor="organiser",
        )
    assert caught.value.key == "index_unknown_indicator_round"


async def test_a_month_or_year_asked_for_gets_the_ratings_closed_within_it(core: Core) -> None:
    """Values come from consultation in any kind of period (SPEC §10): with imports in
    quarters, asking for the month or the year a /rate --indicator round closed in scores
    its mean rating instead of saying the period has no values; a month without one still
    says so."""
    await import_values(core, _csv("碧海社区,rent,2026-Q2,40"), "v.csv")
    await _closed_rating(core, "voice", NOW - timedelta(days=1), {"碧海社区": [3, 4, 4]})
    for period in ("2026-05", "2026"):
        result = await compute(core, period)
        assert result.period == period
        bihai = next(c for c in result.communities if c.name == "碧海社区")
        assert bihai.indicators["voice"].value == pytest.approx(11 / 3)
        # Imported values belong to their quarter only.
        assert bihai.indicators["rent"].value is None
    with pytest.raises(IndexInputError) as caught:
        await compute(core, "2026-02")
    assert "No indicator values for 2026-02" in describe_error(caught.value, "en")


@pytest.mark.parametrize("typed", ["2026-q2", "２０２６-Ｑ２", " 2026-Q2 ", "２０２６－ｑ２"])
async def test_a_period_asked_for_as_a_phone_types_it_is_that_period(
    core: Core, typed: str
) -> None:
    """`/index 2026-q2` or the full-width `/index ２０２６-Ｑ２` a Chinese input method types is
    the quarter 2026-Q2, as the same words in a values file are (it was refused as "not
    YYYY, YYYY-Qn or YYYY-MM")."""
    await import_values(core, _csv("碧海社区,rent,2026-Q2,40"), "v.csv")
    result = await compute(core, typed)
    assert result.period == "2026-Q2"
    bihai = next(c for c in result.communities if c.name == "碧海社区")
    assert bihai.indicators["rent"].value == 40


@pytest.mark.parametrize("period", ["0000", "0000-01", "9999", "9999-12", "9999-Q4", "0001-Q1"])
async def test_a_period_of_a_year_no_calendar_holds_is_refused_as_a_bad_period(
    core: Core, period: str
) -> None:
    """A period whose year has no start or end in the calendar (`/index 0000`, `/index 9999`
    once a /rate --indicator round closed) is refused as a bad period, as `/index junk` is,
    not a ValueError from the date library; an import naming one is refused by its line."""
    await _closed_rating(core, "voice", NOW - timedelta(days=1), {"碧海社区": [3, 4, 4]})
    with pytest.raises(IndexInputError) as caught:
        await compute(core, period)
    assert "the year must be from 1900 to 2999" in describe_error(caught.value, "en")
    with pytest.raises(ValuesError) as refused:
        await import_values(core, _csv(f"碧海社区,rent,{period},40"), "v.csv")
    assert "v.csv, line 2: period" in describe_error(refused.value, "en")
    assert (await compute(core, "2026-Q2")).period == "2026-Q2"


async def test_values_an_earlier_version_stored_for_a_year_now_refused_leave_the_rest_scored(
    core: Core,
) -> None:
    """A period an earlier version imported before years were bounded (a typo `0225` for
    `2025`) no longer stops every period's index: the others are scored as before the
    upgrade, and asking for that one is refused by its year."""
    await import_values(
        core, _csv("碧海社区,rent,2026-Q1,40", "汇展城社区,rent,2026-Q1,45"), "v.csv"
    )
    async with core.repo.transaction() as session:
        await session.replace_values(
            "old.csv", [ValueRow("碧海社区", "rent", "0225", 40.0)], NOW.timestamp()
        )
    assert (await compute(core)).period == "2026-Q1"
    assert (await compute(core, "2026-Q1")).period == "2026-Q1"
    with pytest.raises(IndexInputError) as caught:
        await compute(core, "0225")
    assert "the year must be from 1900 to 2999" in describe_error(caught.value, "en")
