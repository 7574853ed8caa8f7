"""Answers with their themes, and the votes and results of poll and rating rounds, as CSV
(UTF-8 with BOM, for spreadsheet programs) or JSON.

Pseudonymous: no Telegram id at all. Answers carry only what was said, where and its themes;
a vote carries a voter key that is the resident's pseudonym hashed with the round id, so one
round's voters can be told apart (who changed a vote, who chose several options) while two
rounds' exports cannot be joined on it.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from bot.core.base import Core
from bot.core.csvfiles import Cell, safe_cell, write_csv
from bot.core.models import StoredAnswer
from bot.core.reports import PollResult, build_round_report

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
    "learned",
]
# Answers read per transaction. Turning the rows of a page into answers runs on the event loop
# (≈ 0.05 s per 1,000 long answers on the 2-core machine; 5,000 a page held it ≈ 0.3 s).
PAGE = 1000
Row = dict[str, object]


async def iter_answer_pages(
    core: Core,
    round_id: int | None = None,
    *,
    include_hidden: bool = False,
    community_id: int | None = None,
) -> AsyncIterator[list[StoredAnswer]]:
    """Answers (of one round, or all; of one community, or all), oldest first, a page (one
    short transaction) at a time."""
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
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = page[-1].id


async def iter_answer_pages_between(
    core: Core, since: datetime, until: datetime
) -> AsyncIterator[list[StoredAnswer]]:
    """Visible answers created in [since, until), by time, a page (one short read) at a time."""
    after: tuple[datetime, int] | None = None
    while True:
        async with core.repo.transaction() as session:
            page = await session.list_answers_between(since, until, after=after, limit=PAGE)
        if page:
            yield page
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
                "learned": t.learned,
            }
            for t in answer.themes
        ],
    }


async def export_rows(
    core: Core, round_id: int | None = None, *, community_id: int | None = None
) -> list[Row]:
    """One dict per visible answer (of one round, or all; of one community, or all); each
    page's rows are made in a worker thread, between the page reads."""
    names = await community_names(core)
    rows: list[Row] = []
    async for page in iter_answer_pages(core, round_id, community_id=community_id):
        rows.extend(await asyncio.to_thread(answer_rows, page, names, core))
    return rows


def answer_rows(answers: Sequence[StoredAnswer], names: dict[int, str], core: Core) -> list[Row]:
    """`answer_row` of each answer."""
    return [answer_row(a, names, core) for a in answers]


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
        # The words a model weighed most, for tags it made (a learned-only tag has no evidence).
        ";".join(f"{t['id']}={'/'.join(t['learned'])}" for t in themes if t["learned"]),
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

    def add_answers(
        self, answers: Sequence[StoredAnswer], names: dict[int, str], core: Core
    ) -> None:
        """Append the export rows of these answers."""
        for answer in answers:
            self.add(answer_row(answer, names, core))

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
    how many rows it holds. Each page is written in a worker thread, outside any transaction
    (a week of long answers takes seconds), so nobody else waits meanwhile."""
    names = await community_names(core)
    writer = CsvWriter()
    count = 0
    async for page in iter_answer_pages_between(core, since, until):
        await asyncio.to_thread(writer.add_answers, page, names, core)
        count += len(page)
    return await asyncio.to_thread(writer.getvalue), count


def rows_to_json(rows: list[dict[str, object]]) -> str:
    """JSON array, Chinese kept readable."""
    return json.dumps(rows, ensure_ascii=False, indent=2)


# One CSV for a poll or rating round: `record` says whether a row is one vote or one option's
# result in a community (or over all of them), so a spreadsheet filter shows either table.
VOTE_COLUMNS = [
    "record",
    "round_id",
    "kind",
    "community",
    "voter",
    "option_index",
    "option",
    "voted_at",
    "votes",
    "voters",
    "share",
    "average",
]
ALL_COMMUNITIES = "*"  # the community cell of result rows over every community


def voter_key(round_id: int, resident: str) -> str:
    """A voter's key in one round's export: the pseudonym hashed with the round id (12 hex)."""
    return hashlib.sha256(f"{round_id}:{resident}".encode()).hexdigest()[:12]


def _option_label(kind: str, options: list[str], index: int) -> str:
    if kind == "rating":
        return str(index)  # a rating's option is its value, 1 to 5
    return options[index] if 0 <= index < len(options) else str(index)


def _result_json(community: str, result: PollResult) -> dict[str, object]:
    return {
        "community": community,
        "voters": result.voters,
        "average": result.average,
        "options": [
            {"index": i if result.average is None else i + 1, **o.model_dump()}
            for i, o in enumerate(result.options)
        ],
    }


async def vote_export(
    core: Core, round_id: int, *, community_id: int | None = None
) -> dict[str, object] | None:
    """A poll or rating round's votes and results (overall and per community), of one
    community or all; None for a text round or an unknown one."""
    report = await build_round_report(core, round_id, community_id=community_id)
    if report is None or report.poll is None:
        return None
    async with core.repo.transaction() as session:
        round_ = await session.get_round(round_id)
        votes = await session.list_votes(round_id)
    assert round_ is not None
    names = await community_names(core)
    zone = core.settings.schedule.tz
    results = [_result_json(ALL_COMMUNITIES, report.poll)] + [
        _result_json(part.name, part.poll) for part in report.per_community if part.poll
    ]
    return {
        "round_id": round_id,
        "kind": round_.kind,
        "question": round_.question,
        "anonymous": round_.anonymous,
        "results": results,
        "votes": [
            {
                "community": names.get(cid, ""),
                "voter": voter_key(round_id, resident),
                "option_index": index,
                "option": _option_label(round_.kind, round_.options, index),
                "voted_at": at.astimezone(zone).isoformat(),
            }
            for cid, resident, index, at in votes
            if community_id is None or cid == community_id
        ],
    }


def votes_to_csv(export: dict[str, object]) -> bytes:
    """The CSV of `vote_export`: a row per vote, then a row per option per community."""
    rows: list[dict[str, Cell]] = []
    base: dict[str, Cell] = {"round_id": cast(int, export["round_id"]), "kind": str(export["kind"])}
    for vote in cast(list[dict[str, Any]], export["votes"]):
        rows.append({**base, "record": "vote", **vote})
    for result in cast(list[dict[str, Any]], export["results"]):
        for option in result["options"]:
            rows.append(
                {
                    **base,
                    "record": "result",
                    "community": result["community"],
                    "option_index": option["index"],
                    "option": option["text"],
                    "votes": option["votes"],
                    "voters": result["voters"],
                    "share": option["share"],
                    "average": result["average"],
                }
            )
    return write_csv(rows, VOTE_COLUMNS)
