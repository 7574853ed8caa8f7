"""Poll and rating rounds with real votes in a real SQLite file, for report and export tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import Core, open_core

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
BIHAI, HUIZHAN = "碧海社区", "会展城社区"
# Telegram user ids of the residents who vote; exports must never show them.
VOTERS = [710001, 710002, 710003, 710004, 710005]


async def open_test_core(tmp_path: Path) -> Core:
    """A core over a fresh SQLite file, with a fixed privacy secret."""
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}
    return await open_core(settings_from_dict(data, environ={}), secret=b"test-secret")


async def seed_round(
    core: Core, kind: str, votes: dict[str, list[list[int]]], options: list[str] | None = None
) -> int:
    """A closed round of `kind` in both communities; `votes` maps a community to each voter's
    chosen option indexes (rating: the value 1–5). Returns the round id."""
    async with core.repo.transaction() as session:
        bihai, _ = await session.set_community(-100, BIHAI, NOW)
        huizhan, _ = await session.set_community(-200, HUIZHAN, NOW)
        ids = {BIHAI: bihai.id, HUIZHAN: huizhan.id}
        round_ = await session.add_round(
            kind=kind,  # type: ignore[arg-type]
            state="open",
            question="你对小区物业服务满意吗？" if kind == "rating" else "先改善哪一项？",
            community_ids=list(ids.values()),
            opens_at=NOW,
            closes_at=NOW + timedelta(hours=48),
            reminder_at=None,
            created_by="organiser",
            at=NOW,
            options=options or [],
        )
        voter = iter(VOTERS)
        for community, choices in votes.items():
            for chosen in choices:
                await session.set_votes(
                    round_.id, ids[community], core.resident(next(voter)), chosen, NOW
                )
        await session.set_round_state(round_.id, "closed", NOW + timedelta(hours=48), expect="open")
    return round_.id
