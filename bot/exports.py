"""Answers with their themes as CSV (UTF-8 with BOM, for spreadsheet programs) or JSON rows.

Pseudonymous: no resident id at all, only the answer, its round, community and themes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Literal

from bot.core import Core
from storage.models import StoredAnswer

COLUMNS = [
    "answer_id",
    "round_id",
    "community",
    "via",
    "created_at",
    "text",
    "principles",
    "domains",
    "evidence",
]
PAGE = 5000


async def iter_answers(
    core: Core, round_id: int | None = None, *, include_hidden: bool = False
) -> AsyncIterator[StoredAnswer]:
    """Answers (of one round, or all), oldest first, a page at a time."""
    after = 0
    while True:
        async with core.repo.transaction() as session:
            page = await session.list_answers(
                round_ids=None if round_id is None else [round_id],
                after_id=after,
                limit=PAGE,
                include_hidden=include_hidden,
            )
        for item in page:
            yield item
        if len(page) < PAGE:
            return
        after = page[-1].id


async def export_rows(core: Core, round_id: int | None = None) -> list[dict[str, object]]:
    """One dict per visible answer."""
    async with core.repo.transaction() as session:
        names = {c.id: c.name for c in await session.list_communities()}
    rows: list[dict[str, object]] = []
    async for a in iter_answers(core, round_id):
        rows.append(
            {
                "answer_id": a.id,
                "round_id": a.round_id,
                "community": names.get(a.community_id, ""),
                "via": a.via,
                "created_at": a.created_at.isoformat(),
                "text": a.text,
                "themes": [
                    {"id": t.theme_id, "kind": t.kind, "score": t.score, "evidence": t.evidence}
                    for t in a.themes
                ],
            }
        )
    return rows


def rows_to_csv(rows: list[dict[str, object]]) -> bytes:
    """CSV bytes with a BOM so Excel and WPS open the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        themes = row["themes"]
        assert isinstance(themes, list)
        writer.writerow(
            [
                row["answer_id"],
                row["round_id"],
                row["community"],
                row["via"],
                row["created_at"],
                row["text"],
                ";".join(t["id"] for t in themes if t["kind"] == "principle"),
                ";".join(t["id"] for t in themes if t["kind"] == "domain"),
                ";".join(f"{t['id']}={'/'.join(t['evidence'])}" for t in themes),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_json(rows: list[dict[str, object]]) -> str:
    """JSON array, Chinese kept readable."""
    return json.dumps(rows, ensure_ascii=False, indent=2)


HideOutcome = Literal["hidden", "already_hidden", "not_found"]


async def hide_answer(core: Core, answer_id: int, actor: str) -> HideOutcome:
    """Moderation: exclude an answer from reports and exports (logged with the actor)."""
    async with core.transaction() as session:
        if await session.set_answer_hidden(answer_id, actor, core.now()):
            return "hidden"
        found = await session.get_answer(answer_id)
    return "not_found" if found is None else "already_hidden"
