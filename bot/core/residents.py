"""What a resident may see and erase of their own data (and nobody else's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core, Turn
from bot.core.models import StoredAnswer


class MyData(BaseModel):
    """A resident's own stored answers and votes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: list[StoredAnswer]
    votes: list[tuple[int, int]]  # (round id, option index or rating)


async def my_data(core: Core, user_id: int) -> MyData:
    """Everything stored under this resident's pseudonym."""
    resident = core.resident(user_id)
    async with core.repo.transaction() as session:
        answers = await session.list_answers(resident=resident, include_hidden=True)
        votes = await session.list_resident_votes(resident)
    return MyData(answers=answers, votes=votes)


async def forget_resident(core: Core, user_id: int, *, turn: Turn | None = None) -> tuple[int, int]:
    """Delete all of a resident's answers and votes; returns (answers, votes) deleted."""
    async with core.transaction(turn) as session:
        deleted = await session.delete_resident_data(core.resident(user_id))
    core.scrub_due = True
    return deleted
