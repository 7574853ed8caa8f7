"""The index store on every backend: framework in force, values replaced per file and period."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.repository import Repository
from storage.repository.index import UnknownCommunity, ValueRow

AT = datetime(2026, 3, 1, tzinfo=UTC)


async def _communities(repo: Repository) -> None:
    async with repo.transaction() as s:
        await s.set_community(-1001, "碧海社区", AT)
        await s.set_community(-1002, "汇展城社区", AT)


async def test_latest_framework_is_in_force(repo: Repository) -> None:
    """The framework stored last is the one read back, with its text and digest intact."""
    async with repo.transaction() as s:
        assert await s.get_framework() is None
        await s.add_framework('principles = ["equity"]  # 第一版', 1.0)
        second = await s.add_framework('principles = ["efficiency"]  # 第二版', 2.0)
    async with repo.transaction() as s:
        stored = await s.get_framework()
    assert stored == second
    assert stored is not None and stored.source.endswith("第二版") and len(stored.sha256) == 64


async def test_reimport_replaces_the_files_values_for_its_periods(repo: Repository) -> None:
    """Re-importing a file for a period replaces what it gave before (a row it no longer has
    disappears), leaves its other periods and other files' values alone."""
    await _communities(repo)
    first = [
        ValueRow("碧海社区", "pm25_annual", "2025-Q1", 30.0),
        ValueRow("碧海社区", "gp_per_10k", "2025-Q1", 2.5),
        ValueRow("汇展城社区", "pm25_annual", "2025-Q2", 22.0),
    ]
    other = [ValueRow("汇展城社区", "gp_per_10k", "2025-Q1", 4.0)]
    async with repo.transaction() as s:
        await s.replace_values("a.csv", first, 10.0)
        await s.replace_values("b.csv", other, 11.0)
    again = [ValueRow("碧海社区", "pm25_annual", "2025-Q1", 28.5)]
    async with repo.transaction() as s:
        await s.replace_values("a.csv", again, 12.0)
    async with repo.transaction() as s:
        values = await s.list_values()
        q1 = await s.list_values(["2025-Q1"])
        periods = await s.list_periods()
    assert values == [
        ValueRow("汇展城社区", "gp_per_10k", "2025-Q1", 4.0),
        ValueRow("碧海社区", "pm25_annual", "2025-Q1", 28.5),
        ValueRow("汇展城社区", "pm25_annual", "2025-Q2", 22.0),
    ]
    assert q1 == values[:2]
    assert periods == ["2025-Q1", "2025-Q2"]


async def test_unknown_community_rolls_back_the_whole_import(repo: Repository) -> None:
    """A row naming an unregistered community fails the import and stores none of its rows."""
    await _communities(repo)
    rows = [
        ValueRow("碧海社区", "pm25_annual", "2025", 30.0),
        ValueRow("不存在社区", "pm25_annual", "2025", 31.0),
    ]
    with pytest.raises(UnknownCommunity, match="不存在社区"):
        async with repo.transaction() as s:
            await s.replace_values("c.csv", rows, 1.0)
    async with repo.transaction() as s:
        assert await s.list_values() == []


async def test_large_import_round_trips(repo: Repository) -> None:
    """An import larger than one statement's rows is stored whole, values exact."""
    await _communities(repo)
    rows = [
        ValueRow(name, f"ind_{k:03d}", "2025-07", k + 0.125)
        for name in ("碧海社区", "汇展城社区")
        for k in range(700)
    ]
    async with repo.transaction() as s:
        assert await s.replace_values("big.csv", rows, 1.0) == 1400
    async with repo.transaction() as s:
        back = await s.list_values(["2025-07"])
    assert sorted(back, key=lambda r: (r.community, r.indicator)) == sorted(
        rows, key=lambda r: (r.community, r.indicator)
    )
