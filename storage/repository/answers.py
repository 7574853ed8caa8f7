"""Answers and their themes (what residents said, and what it is about), and moderation:
hiding an answer from reports and exports, with a log of who hid it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.models import NewAnswer, StoredAnswer, TagRecord, from_ts, to_ts
from storage.backends.base import Row
from storage.dialect import by_code_point
from storage.repository.base import Part, placeholders
from storage.repository.learned import LearnedModels
from storage.repository.tallies import (
    ANSWER_FACTS,
    THEME_FACTS,
    AnswerFacts,
    ThemeFacts,
    pending,
    themes_by_answer,
)

# Answers per multi-row INSERT: 10 parameters each stays far below the limits of SQLite (32,766)
# and PostgreSQL (65,535) on parameters per statement.
_ROWS_PER_INSERT = 100
_THEME_COLUMNS = (
    "answer_id, theme_id, kind, score, evidence, round_id, community_id, created_at, hidden,"
    " learned"
)
# A theme row's evidence and learned words as JSON: what json.dumps(words, ensure_ascii=False)
# gives, without building an encoder for each of them (the ingest path writes two per row).
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _facts(themes: Sequence[TagRecord]) -> list[ThemeFacts]:
    return [(t.theme_id, t.kind, t.score) for t in themes]


def _scope(a: AnswerFacts) -> tuple[int, int, float, int]:
    """The answer's columns its theme rows repeat (round, community, time, hidden)."""
    return (a.round_id, a.community_id, a.created_at, int(a.hidden))


def _tag(row: Row) -> TagRecord:
    """A row of answer_themes as a record."""
    return TagRecord(
        theme_id=row["theme_id"],
        kind=row["kind"],
        score=row["score"],
        evidence=json.loads(row["evidence"]),
        learned=json.loads(row["learned"]),
    )


def _answer(row: Row, themes: list[TagRecord] | None = None) -> StoredAnswer:
    return StoredAnswer(
        id=row["id"],
        round_id=row["round_id"],
        community_id=row["community_id"],
        via=row["via"],
        text=row["text"],
        created_at=from_ts(row["created_at"]),
        updated_at=from_ts(row["updated_at"]),
        hidden=bool(row["hidden"]),
        themes=themes or [],
        channel=row["channel"],
    )


def source_digest(source: str) -> str:
    """How `deleted_sources` names an answer's message: a digest of its `source` (a private
    answer's names its resident's pseudonym)."""
    return hashlib.sha256(source.encode()).hexdigest()[:32]


class Answers(Part):
    """Tables `answers`, `answer_themes` and `moderation_log`."""

    async def get_answer_by_source(self, source: str) -> StoredAnswer | None:
        """The answer stored from one Telegram message."""
        row = await self.tx.fetchone("SELECT * FROM answers WHERE source = ?", (source,))
        return None if row is None else _answer(row)

    async def answer_was_deleted(self, source: str) -> bool:
        """Whether the answer stored from this message was deleted (/forget, retention) while
        its round is open (storage/repository/erasure.py)."""
        row = await self.tx.fetchone(
            "SELECT 1 AS x FROM deleted_sources WHERE source = ?", (source_digest(source),)
        )
        return row is not None

    async def get_answer(self, answer_id: int) -> StoredAnswer | None:
        """One answer by id (hidden or not), without its themes."""
        row = await self.tx.fetchone("SELECT * FROM answers WHERE id = ?", (answer_id,))
        return None if row is None else _answer(row)

    async def add_answer(self, answer: NewAnswer) -> int | None:
        """Store an answer and its themes; None if this resident already said exactly this."""
        return (await self.add_answers([answer]))[0]

    async def add_answers(self, answers: Sequence[NewAnswer]) -> list[int | None]:
        """Store answers and their themes, a few statements for the lot (the ingest path);
        for each, its id, or None if its resident already said exactly this in the round
        (earlier, or earlier in `answers`)."""
        ids: dict[str, int] = {}
        for start in range(0, len(answers), _ROWS_PER_INSERT):
            chunk = answers[start : start + _ROWS_PER_INSERT]
            rows = await self.tx.fetchall(
                "INSERT INTO answers (round_id, community_id, resident, source, via, text, "
                "text_hash, created_at, updated_at, channel) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING id, source",
                [
                    value
                    for a in chunk
                    for value in (
                        a.round_id,
                        a.community_id,
                        a.resident,
                        a.source,
                        a.via,
                        a.text,
                        a.text_hash,
                        to_ts(a.at),
                        to_ts(a.at),
                        a.channel,
                    )
                ],
            )
            ids.update((str(r["source"]), int(r["id"])) for r in rows)
        stored = [ids.get(a.source) for a in answers]
        tallies = pending(self.tx)
        themed: list[tuple[int, Sequence[TagRecord], Sequence[Any]]] = []
        for a, answer_id in zip(answers, stored, strict=True):
            # An answer given twice in `answers` (same source) was stored once, as the first.
            if answer_id is None or ids.pop(a.source, None) is None:
                continue
            facts = AnswerFacts(
                id=answer_id,
                round_id=a.round_id,
                community_id=a.community_id,
                resident=a.resident,
                created_at=to_ts(a.at),
                channel=a.channel,
                hidden=False,
            )
            tallies.answer(facts, 1)
            tallies.tags(facts, _facts(a.themes), 1)
            if a.themes:
                themed.append((answer_id, a.themes, _scope(facts)))
            else:
                tallies.untagged[answer_id] = facts
        await self._insert_themes(themed)
        return stored

    async def add_answer_themes(
        self, stored: Sequence[tuple[int, NewAnswer, Sequence[TagRecord]]]
    ) -> None:
        """Themes of (answer id, the answer as given to add_answers, its themes): for answers
        stored before they were tagged (the ingest path stores while tagging)."""
        tallies = pending(self.tx)
        tagging = [(answer_id, themes) for answer_id, _, themes in stored if themes]
        known: dict[int, tuple[AnswerFacts, list[ThemeFacts]]] = {}
        for answer_id, _ in tagging:
            facts = tallies.untagged.pop(answer_id, None)
            if facts is not None:
                known[answer_id] = (facts, [])  # stored untagged in this transaction
        if len(known) < len(tagging):
            known.update(await self._answer_facts([i for i, _ in tagging if i not in known]))
        rows: list[tuple[int, Sequence[TagRecord], Sequence[Any]]] = []
        for answer_id, themes in tagging:
            if answer_id not in known:
                continue  # not stored (any more): the insert below would fail
            facts, before = known[answer_id]
            tallies.tags(facts, before, -1)
            tallies.tags(facts, [*before, *_facts(themes)], 1)
            rows.append((answer_id, themes, _scope(facts)))
        await self._insert_themes(rows)

    async def _answer_facts(
        self, answer_ids: Sequence[int]
    ) -> dict[int, tuple[AnswerFacts, list[ThemeFacts]]]:
        """Stored answers as the tallies see them, with their stored themes."""
        if not answer_ids:
            return {}
        marks = placeholders(answer_ids)
        rows = await self.tx.fetchall(
            f"SELECT {ANSWER_FACTS} FROM answers WHERE id IN {marks}", list(answer_ids)
        )
        themes = themes_by_answer(
            await self.tx.fetchall(
                f"SELECT {THEME_FACTS} FROM answer_themes WHERE answer_id IN {marks}",
                list(answer_ids),
            )
        )
        return {int(r["id"]): (AnswerFacts.of(r), themes.get(int(r["id"]), [])) for r in rows}

    async def set_answer_text(
        self, answer_id: int, text: str, text_hash: str, at: datetime, themes: Sequence[TagRecord]
    ) -> bool:
        """An edited answer replaces the stored one; False if that would duplicate another.

        The old text of an answer labelled through /label is gone as a deleted one is: the
        models learned from its label must learn again (counted in `label_erasures`)."""
        clash = await self.tx.fetchone(
            "SELECT 1 AS x FROM answers a JOIN answers b ON a.round_id = b.round_id "
            "AND a.resident = b.resident WHERE a.id = ? AND b.id <> a.id AND b.text_hash = ?",
            (answer_id, text_hash),
        )
        if clash is not None:
            return False
        learned_from = await self.tx.fetchval(
            "SELECT a.text FROM answers a JOIN answer_labels l ON l.answer_id = a.id "
            "WHERE a.id = ? AND l.skipped = 0",
            (answer_id,),
        )
        if learned_from is not None and learned_from != text:
            await LearnedModels(self.tx).add_label_erasure()
        await self.tx.execute(
            "UPDATE answers SET text = ?, text_hash = ?, updated_at = ? WHERE id = ?",
            (text, text_hash, to_ts(at), answer_id),
        )
        await self.set_answer_themes(answer_id, themes)
        return True

    async def set_answer_themes(self, answer_id: int, themes: Sequence[TagRecord]) -> None:
        """Replace an answer's themes."""
        tallies = pending(self.tx)
        before = themes_by_answer(
            await self.tx.fetchall(
                f"DELETE FROM answer_themes WHERE answer_id = ? RETURNING {THEME_FACTS}",
                (answer_id,),
            )
        ).get(answer_id, [])
        tallies.untagged.pop(answer_id, None)
        row = await self.tx.fetchone(
            f"SELECT {ANSWER_FACTS} FROM answers WHERE id = ?", (answer_id,)
        )
        if row is not None:
            facts = AnswerFacts.of(row)
            tallies.tags(facts, before, -1)
            tallies.tags(facts, _facts(themes), 1)
            await self._insert_themes([(answer_id, themes, _scope(facts))])

    async def _insert_themes(
        self, answers: Sequence[tuple[int, Sequence[TagRecord], Sequence[Any]]]
    ) -> None:
        """Store the themes of (answer id, themes, (round_id, community_id, created_at,
        hidden)) in one statement; theme rows repeat their answer's columns so that quotes
        are picked without a join (migration 0002)."""
        await self.tx.executemany(
            f"INSERT INTO answer_themes ({_THEME_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    answer_id,
                    t.theme_id,
                    t.kind,
                    t.score,
                    _to_json(t.evidence),
                    *answer,
                    _to_json(t.learned),
                )
                for answer_id, themes, answer in answers
                for t in themes
            ],
        )

    async def list_answers(
        self,
        *,
        round_ids: Sequence[int] | None = None,
        community_ids: Sequence[int] | None = None,
        include_hidden: bool = False,
        resident: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[StoredAnswer]:
        """Answers with their themes, oldest first."""
        where = ["a.id > ?"]
        params: list[Any] = [after_id]
        for column, ids in (("round_id", round_ids), ("community_id", community_ids)):
            if ids is not None:
                if not ids:
                    return []
                where.append(f"a.{column} IN {placeholders(ids)}")
                params.extend(ids)
        if not include_hidden:
            where.append("a.hidden = 0")
        if resident is not None:
            where.append("a.resident = ?")
            params.append(resident)
        sql = "SELECT a.* FROM answers a WHERE " + " AND ".join(where) + " ORDER BY a.id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return await self._with_themes(await self.tx.fetchall(sql, params))

    async def _with_themes(self, rows: list[Row]) -> list[StoredAnswer]:
        """Answer rows as StoredAnswer, each with its themes (one query for the lot)."""
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        theme_rows = await self.tx.fetchall(
            "SELECT answer_id, theme_id, kind, score, evidence, learned FROM answer_themes WHERE "
            f"answer_id >= ? AND answer_id <= ? AND answer_id IN {placeholders(ids)} "
            f"ORDER BY answer_id, score DESC, {by_code_point('theme_id', self.tx.dialect)}",
            [min(ids), max(ids), *ids],
        )
        by_answer: dict[int, list[TagRecord]] = {}
        for t in theme_rows:
            by_answer.setdefault(t["answer_id"], []).append(_tag(t))
        return [_answer(r, by_answer.get(r["id"])) for r in rows]

    async def list_answers_between(
        self,
        since: datetime,
        until: datetime,
        *,
        after: tuple[datetime, int] | None = None,
        limit: int = 5000,
    ) -> list[StoredAnswer]:
        """One page of visible answers created in [since, until), with their themes, ordered by
        (created_at, id); pass the last answer's (created_at, id) as `after` for the next page.
        Each page is one range read on the created_at index, never the rest of the table."""
        where = "a.hidden = 0 AND a.created_at < ? AND "
        params: list[Any] = [to_ts(until)]
        if after is None:
            where += "a.created_at >= ?"
            params.append(to_ts(since))
        else:
            where += "(a.created_at > ? OR (a.created_at = ? AND a.id > ?))"
            params += [to_ts(after[0]), to_ts(after[0]), after[1]]
        rows = await self.tx.fetchall(
            f"SELECT a.* FROM answers a WHERE {where} ORDER BY a.created_at, a.id "
            f"LIMIT {int(limit)}",
            params,
        )
        return await self._with_themes(rows)

    async def count_stored_answers(self) -> int:
        """Every stored answer, hidden ones too: what a re-tag walks through."""
        return int(await self.tx.fetchval("SELECT count(*) AS n FROM answers") or 0)

    async def list_answer_texts_page(self, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of every answer, hidden ones too, by id: a light scan for re-tagging."""
        rows = await self.tx.fetchall(
            f"SELECT id, text FROM answers WHERE id > ? ORDER BY id LIMIT {int(limit)}",
            (after_id,),
        )
        return [(int(r["id"]), r["text"]) for r in rows]

    async def get_answer_themes(self, answer_ids: Sequence[int]) -> dict[int, list[TagRecord]]:
        """The stored themes of some answers."""
        if not answer_ids:
            return {}
        rows = await self.tx.fetchall(
            "SELECT answer_id, theme_id, kind, score, evidence, learned FROM answer_themes "
            f"WHERE answer_id IN {placeholders(answer_ids)}",
            list(answer_ids),
        )
        out: dict[int, list[TagRecord]] = {i: [] for i in answer_ids}
        for r in rows:
            out[r["answer_id"]].append(_tag(r))
        return out

    async def set_answer_hidden(self, answer_id: int, actor: str, at: datetime) -> bool:
        """Moderation: hide an answer from reports and exports, logging who did it."""
        hidden = await self.tx.fetchall(
            f"UPDATE answers SET hidden = 1 WHERE id = ? AND hidden = 0 RETURNING {ANSWER_FACTS}",
            (answer_id,),
        )
        if not hidden:
            return False
        themes = await self.tx.fetchall(
            f"UPDATE answer_themes SET hidden = 1 WHERE answer_id = ? RETURNING {THEME_FACTS}",
            (answer_id,),
        )
        # It counted while it was visible: it stops counting, themes and all.
        facts = replace(AnswerFacts.of(hidden[0]), hidden=False)
        tallies = pending(self.tx)
        tallies.untagged.pop(answer_id, None)
        tallies.answer(facts, -1)
        tallies.tags(facts, themes_by_answer(themes).get(answer_id, []), -1)
        await self.tx.execute(
            "INSERT INTO moderation_log (answer_id, action, actor, at) VALUES (?, ?, ?, ?)",
            (answer_id, "hide", actor, to_ts(at)),
        )
        return True

    async def list_moderation_log(self) -> list[tuple[int, str, str]]:
        """Moderation actions, oldest first: (answer id, action, pseudonymous actor)."""
        rows = await self.tx.fetchall(
            "SELECT answer_id, action, actor FROM moderation_log ORDER BY id"
        )
        return [(int(r["answer_id"]), r["action"], r["actor"]) for r in rows]
