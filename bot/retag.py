"""Re-tag stored answers after the taxonomy or the learned model changed (`minyi retag`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.answers import to_records
from bot.core import Core
from bot.exports import iter_answers
from storage.models import TagRecord


class RetagResult(BaseModel):
    """How many answers were looked at and how many got different themes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seen: int
    changed: int


Signature = list[tuple[str, float, tuple[str, ...]]]


def _signature(themes: Signature) -> Signature:
    return sorted((i, round(s, 6), tuple(sorted(e))) for i, s, e in themes)


async def retag_answers(core: Core) -> RetagResult:
    """Tag every stored answer again; store the themes of those whose tags changed."""
    seen = changed = 0
    pending: list[tuple[int, list[TagRecord]]] = []
    async for answer in iter_answers(core, include_hidden=True):
        seen += 1
        tags = core.tagger.tag(answer.text)
        new = _signature([(t.id, t.score, tuple(t.evidence)) for t in tags])
        old = _signature([(t.theme_id, t.score, tuple(t.evidence)) for t in answer.themes])
        if new != old:
            pending.append((answer.id, to_records(tags)))
        if len(pending) >= 500:
            changed += await _store(core, pending)
            pending = []
    changed += await _store(core, pending)
    return RetagResult(seen=seen, changed=changed)


async def _store(core: Core, pending: list[tuple[int, list[TagRecord]]]) -> int:
    if not pending:
        return 0
    async with core.repo.transaction() as session:
        for answer_id, records in pending:
            await session.set_answer_themes(answer_id, records)
    return len(pending)
