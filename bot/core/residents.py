"""What a resident may see and erase of their own data (and nobody else's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core
from bot.core.models import StoredAnswer
from bot.render.texts import Lang, say


class MyData(BaseModel):
    """A resident's own stored answers and votes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: list[StoredAnswer]
    votes: list[tuple[int, int]]  # (round id, option index or rating)


async def my_data(core: Core, user_id: int) -> MyData:
    """Everything stored under this Telegram user's pseudonym."""
    return await data_of(core, core.resident(user_id))


async def data_of(core: Core, resident: str) -> MyData:
    """Everything stored under a pseudonym (of any channel)."""
    async with core.repo.transaction() as session:
        answers = await session.list_answers(resident=resident, include_hidden=True)
        votes = await session.list_resident_votes(resident)
    return MyData(answers=answers, votes=votes)


async def my_data_text(core: Core, user_id: int, lang: Lang) -> str:
    """A resident's own answers and votes as a reply (for /mydata, in private chat)."""
    data = await my_data(core, user_id)
    if not data.answers and not data.votes:
        return say("mydata_empty", lang)
    lines = [say("mydata_header", lang, answers=len(data.answers), votes=len(data.votes))]
    lines += [say("mydata_answer", lang, round=a.round_id, text=a.text) for a in data.answers]
    lines += [say("mydata_vote", lang, round=r, choice=o) for r, o in data.votes]
    return "\n".join(lines)


async def forget_resident(core: Core, user_id: int) -> tuple[int, int]:
    """Delete all of a Telegram user's answers and votes; returns (answers, votes) deleted."""
    return await forget_pseudonym(core, core.resident(user_id))


async def forget_pseudonym(core: Core, resident: str) -> tuple[int, int]:
    """Delete all answers and votes stored under a pseudonym (of any channel); returns
    (answers, votes) deleted."""
    async with core.transaction() as session:
        deleted = await session.delete_resident_data(resident)
    core.scrub_due = True
    return deleted
