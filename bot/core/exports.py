"""Answers with their themes as CSV (UTF-8 with BOM, for spreadsheet programs) or JSON rows.

Pseudonymous: no resident id at all, only the answer, its round, community and themes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import cast

from bot.core.base import Core
from bot.core.csvfiles import Cell, safe_cell
from bot.core.models import StoredAnswer

COLUMNS = [
    "answer_id",
    "round_id",
    "community",
    "via",
    "channel",
    "created_at",
    "text",
    "principles",
    "domains",
    "evidence",
    "principles_zh",
    "domains_zh",
]
PAGE = 5000
Row = dict[str, object]


async def iter_answers(
    core: Core,
    round_id: int | None = None,
    *,
    include_hidden: bool = False,
    community_id: int | None = None,
) -> AsyncIterator[StoredAnswer]:
    """Answers (of one round, or all; of one community, or all), oldest first, a page at a
    time."""
    after = 0
    while True:
        async with core.repo.transaction() as session:
            page = await session.list_answers(
                round_ids=None if round_id is None else [round_id],
                community_ids=None if community_id is None else [community_id],
                after_id=after,
                limit=PAGE,
                include_hidden=include_hidden,
            )
        for item in page:
            yield item
        if len(page) < PAGE:
            return
        after = page[-1].id


async def iter_answers_between(
    core: Core, since: datetime, until: datetime
) -> AsyncIterator[StoredAnswer]:
    """Visible answers created in [since, until), by time, a page (one short read) at a time."""
    after: tuple[datetime, int] | None = None
    while True:
        async with core.repo.transaction() as session:
            page = await session.list_answers_between(since, until, after=after, limit=PAGE)
        for item in page:
            yield item
        if len(page) < PAGE:
            return
        after = (page[-1].created_at, page[-1].id)


async def community_names(core: Core) -> dict[int, str]:
    """Community id -> name, for export rows."""
    async with core.repo.transaction() as session:
        return {c.id: c.name for c in await session.list_communities()}


def answer_row(answer: StoredAnswer, names: dict[int, str], core: Core) -> Row:
    """One answer as an export row: no resident, only what was said, where and its themes."""
    taxonomy = core.tagger.taxonomy

    def name_zh(theme_id: str) -> str:
        theme = taxonomy.get(theme_id)
        return theme.name_zh if theme else theme_id

    return {
        "answer_id": answer.id,
        "round_id": answer.round_id,
        "community": names.get(answer.community_id, ""),
        "via": answer.via,
        "channel": answer.channel,
        "created_at": answer.created_at.astimezone(core.settings.schedule.tz).isoformat(),
        "text": answer.text,
        "themes": [
            {
                "id": t.theme_id,
                "name_zh": name_zh(t.theme_id),
                "kind": t.kind,
                "score": t.score,
                "evidence": t.evidence,
            }
            for t in answer.themes
        ],
    }


async def export_rows(
    core: Core, round_id: int | None = None, *, community_id: int | None = None
) -> list[Row]:
    """One dict per visible answer (of one round, or all; of one community, or all)."""
    names = await community_names(core)
    answers = iter_answers(core, round_id, community_id=community_id)
    return [answer_row(a, names, core) async for a in answers]


def _csv_cells(row: Row) -> list[Cell]:
    themes = row["themes"]
    assert isinstance(themes, list)
    principles = [t for t in themes if t["kind"] == "principle"]
    domains = [t for t in themes if t["kind"] == "domain"]
    return [
        cast(int, row["answer_id"]),
        cast(int, row["round_id"]),
        str(row["community"]),
        str(row["via"]),
        str(row["channel"]),
        str(row["created_at"]),
        str(row["text"]),
        ";".join(t["id"] for t in principles),
        ";".join(t["id"] for t in domains),
        ";".join(f"{t['id']}={'/'.join(t['evidence'])}" for t in themes),
        "；".join(t["name_zh"] for t in principles),
        "；".join(t["name_zh"] for t in domains),
    ]


# In a file name: letters and digits of any script, and - and _; everything else becomes _.
_NOT_FILE_SAFE = re.compile(r"[^\w-]+")
MAX_NAME_PART = 40


def file_name_part(name: str) -> str:
    """`name` (a community's, chosen by an organiser) made safe inside a file name: no path
    separators or dots (`../../x` -> `x`), nothing a spreadsheet or shell reads specially at
    the start (`=1+1` -> `1_1`), no control or invisible characters, at most 40 characters;
    `community` if nothing is left."""
    cleaned = _NOT_FILE_SAFE.sub("_", unicodedata.normalize("NFKC", name))
    cleaned = cleaned.strip("_-")[:MAX_NAME_PART].strip("_-")
    return cleaned or "community"


class CsvWriter:
    """CSV bytes with a BOM so Excel and WPS open the Chinese text correctly, row by row; every
    text cell goes through `safe_cell`, so a resident's `=HYPERLINK(…)` stays text."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer)
        self._writer.writerow(COLUMNS)

    def add(self, row: Row) -> None:
        """Append one export row."""
        self._writer.writerow([safe_cell(cell) for cell in _csv_cells(row)])

    def getvalue(self) -> bytes:
        """The whole file, UTF-8."""
        return self._buffer.getvalue().encode("utf-8")


def rows_to_csv(rows: Iterable[Row]) -> bytes:
    """CSV bytes (UTF-8 with BOM) of export rows."""
    writer = CsvWriter()
    for row in rows:
        writer.add(row)
    return writer.getvalue()


async def period_csv(core: Core, since: datetime, until: datetime) -> tuple[bytes, int]:
    """The CSV of the answers created in [since, until), read a page at a time by time; and
    how many rows it holds."""
    names = await community_names(core)
    writer = CsvWriter()
    count = 0
    async for answer in iter_answers_between(core, since, until):
        writer.add(answer_row(answer, names, core))
        count += 1
    return writer.getvalue(), count


def rows_to_json(rows: list[dict[str, object]]) -> str:
    """JSON array, Chinese kept readable."""
    return json.dumps(rows, ensure_ascii=False, indent=2)
