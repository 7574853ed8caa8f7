"""Stored answers for tests that need some without driving the bot: one open text round in one
community, one answer per text, tagged by the core's own tagger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.answers import to_records
from bot.core.base import Core
from bot.core.models import NewAnswer
from bot.core.privacy import text_digest
from storage.repository import Session


async def add_tagged_answer(
    core: Core,
    session: Session,
    round_id: int,
    community_id: int,
    *,
    resident: str,
    source: str,
    text: str,
    at: datetime,
    hashed: str | None = None,
) -> int | None:
    """Store `text` as `resident`'s reply in a round, tagged by the core's own tagger, its
    digest taken of `hashed` (default: the text); return its id (None for a duplicate)."""
    return await session.add_answer(
        NewAnswer(
            round_id=round_id,
            community_id=community_id,
            resident=resident,
            source=source,
            via="reply",
            text=text,
            text_hash=text_digest(text if hashed is None else hashed),
            at=at,
            themes=to_records(core.tagger.tag(text)),
        )
    )


async def seed_text_round(
    core: Core,
    texts: Sequence[str],
    *,
    opened_ago: timedelta = timedelta(0),
    numbered_hashes: bool = False,
    question: str = "q",
) -> tuple[int, list[int]]:
    """Store an open text round in 碧海社区 (chat -100) with the answer `texts[i]` from
    resident `r{i}`; return the round's id and the answers' ids in order. `numbered_hashes`
    gives repeated texts distinct digests (as different residents' answers have)."""
    now = datetime.now(UTC)
    ids: list[int] = []
    async with core.repo.transaction() as session:
        community, _ = await session.set_community(-100, "碧海社区", now)
        round_ = await session.add_round(
            kind="text",
            state="open",
            question=question,
            community_ids=[community.id],
            opens_at=now - opened_ago,
            closes_at=now + timedelta(hours=1),
            reminder_at=None,
            created_by="x",
            at=now,
        )
        for i, text in enumerate(texts):
            answer_id = await add_tagged_answer(
                core,
                session,
                round_.id,
                community.id,
                resident=f"r{i}",
                source=f"g:-100:{round_.id}:{i}",  # one round's answers never repeat another's
                text=text,
                at=now,
                hashed=f"{text}{i}" if numbered_hashes else text,
            )
            assert answer_id is not None, f"answer {i} was not stored"
            ids.append(answer_id)
    return round_.id, ids
