"""What a resident may see and erase of their own data (and nobody else's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core, Turn
from bot.core.models import Round, RoundKind, StoredAnswer
from bot.core.options import options_by_language


class Choice(BaseModel):
    """One round's vote as its resident reads it: the options' texts, or the rating."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    round_id: int
    # How the vote is shown: a poll's options, a priorities round's principles, a rating 1–5.
    kind: RoundKind
    chosen: tuple[str, ...]
    # A priorities round's choice named in each language ("zh", "en"): its poll named the
    # principles in the deployment's language for the whole group, but a resident reads their
    # own data in theirs. Empty for other kinds, whose options are the organiser's words.
    chosen_in: dict[str, tuple[str, ...]] = {}


class MyData(BaseModel):
    """A resident's own stored answers and votes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: list[StoredAnswer]
    votes: list[tuple[int, int]]  # (round id, option index or rating)
    # The same votes as the resident reads them, one per round: a multiple-answer poll is one
    # vote with several options.
    choices: list[Choice] = []
    # Votes in a poll whose id the bot has not stored yet (a poll Telegram took just before a
    # crash): the options' places (0-based), each vote's round not known until it is found.
    waiting: list[tuple[int, ...]] = []


async def my_data(core: Core, user_id: int) -> MyData:
    """Everything stored under this Telegram user's pseudonym."""
    return await data_of(core, core.resident(user_id))


async def data_of(core: Core, resident: str) -> MyData:
    """Everything stored under a pseudonym (of any channel)."""
    async with core.repo.transaction() as session:
        answers = await session.list_answers(resident=resident, include_hidden=True)
        votes = await session.list_resident_votes(resident)
        rounds = {r: await session.get_round(r) for r in {r for r, _ in votes}}
        waiting = [
            tuple(options) for options, _ in await session.list_resident_stray_votes(resident)
        ]
    chosen: dict[int, list[int]] = {}
    for round_id, value in votes:
        chosen.setdefault(round_id, []).append(value)
    return MyData(
        answers=answers,
        votes=votes,
        waiting=waiting,
        choices=[
            # A round gone from the database (it cannot be, while its votes are there) reads
            # as a poll: its value is shown as it is stored.
            _choice_of(core, r, rounds.get(r), values)
            for r, values in chosen.items()
        ],
    )


def _choice_of(core: Core, round_id: int, round_: Round | None, values: list[int]) -> Choice:
    by_language = {} if round_ is None else options_by_language(core, round_)
    return Choice(
        round_id=round_id,
        kind=_kind(round_),
        chosen=tuple(_choice(round_, value) for value in values),
        chosen_in={
            lang: tuple(_choice(round_, value, names) for value in values)
            for lang, names in by_language.items()
        },
    )


def _kind(round_: Round | None) -> RoundKind:
    return "poll" if round_ is None else round_.kind


def _choice(round_: Round | None, value: int, names: list[str] | None = None) -> str:
    """A vote as its resident reads it: the option's text in a poll or priorities round (the
    stored value is the option's index; `names`: the options as named for the reader), the
    rating itself in a rating round."""
    if round_ is not None and round_.kind != "rating" and 0 <= value < len(round_.options):
        return (round_.options if names is None else names)[value]
    return str(value)


async def forget_resident(core: Core, user_id: int, *, turn: Turn | None = None) -> tuple[int, int]:
    """Delete all of a Telegram user's answers and votes; returns (answers, votes) deleted
    (see `forget_pseudonym`)."""
    return await forget_pseudonym(core, core.resident(user_id), turn=turn)


async def forget_pseudonym(
    core: Core, resident: str, *, turn: Turn | None = None
) -> tuple[int, int]:
    """Delete all answers and votes stored under a pseudonym (of any channel); returns
    (answers, votes) deleted, a multiple-answer poll's options counting as one vote."""
    async with core.transaction(turn) as session:
        deleted = await session.delete_resident_data(resident)
    core.scrub_due = True
    core.answers_removed += 1
    return deleted
