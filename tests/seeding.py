"""Stored answers for tests that need some without driving the bot: one open text round in one
community, one answer per text, tagged by the core's own tagger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.answers import to_records
from bot.core.base import Core
from bot.core.models import NewAnswer
from bot.core.privacy import text_digest


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
            answer_id = await session.add_answer(
                NewAnswer(
                    round_id=round_.id,
                    community_id=community.id,
                    resident=f"r{i}",
                    source=f"g:-100:{i}",
                    via="reply",
                    text=text,
                    text_hash=text_digest(f"{text}{i}" if numbered_hashes else text),
                    at=now,
                    themes=to_records(core.tagger.tag(text)),
                )
            )
            assert answer_id is not None, f"answer {i} was not stored"
            ids.append(answer_id)
    return round_.id, ids
