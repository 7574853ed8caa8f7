"""Organisers' labels of answers (`/label`, issue 15): which themes an answer really has."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part, placeholders


class Labels(Part):
    """Table `answer_labels` (pseudonymous labellers, answer ids only; texts stay in `answers`)."""

    async def set_label(
        self,
        answer_id: int,
        labeller: str,
        themes: Sequence[str],
        at: datetime,
        *,
        skipped: bool = False,
    ) -> None:
        """Store (replace) an organiser's themes for an answer, or that they skipped it; a skip
        never replaces themes given (two organisers shown the same answer: one confirms, the
        other passes)."""
        await self.tx.execute(
            "INSERT INTO answer_labels (answer_id, labeller, themes, skipped, labelled_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
            "labeller = excluded.labeller, themes = excluded.themes, "
            "skipped = excluded.skipped, labelled_at = excluded.labelled_at "
            "WHERE excluded.skipped = 0 OR answer_labels.skipped = 1",
            (answer_id, labeller, json.dumps(sorted(set(themes))), int(skipped), to_ts(at)),
        )

    async def stored_answer_texts(self, texts: Sequence[str]) -> set[str]:
        """Those of these texts that are the text of a stored answer."""
        found: set[str] = set()
        unique = sorted(set(texts))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = await self.tx.fetchall(
                f"SELECT DISTINCT text FROM answers WHERE text IN {placeholders(chunk)}", chunk
            )
            found.update(r["text"] for r in rows)
        return found

    async def list_unlabelled_answers(
        self, limit: int, *, labeller: str | None = None, at: datetime | None = None
    ) -> list[tuple[int, str]]:
        """(id, text) of the newest visible answers nobody labelled or skipped, newest first;
        with `labeller` and `at`, also none another labeller holds a claim on at `at`."""
        claimed = ""
        values: tuple[object, ...] = ()
        if labeller is not None and at is not None:
            claimed = (
                "AND NOT EXISTS (SELECT 1 FROM label_claims c WHERE c.answer_id = a.id "
                "AND c.labeller <> ? AND c.expires_at > ?) "
            )
            values = (labeller, to_ts(at))
        rows = await self.tx.fetchall(
            "SELECT a.id, a.text FROM answers a WHERE a.hidden = 0 AND NOT EXISTS "
            "(SELECT 1 FROM answer_labels l WHERE l.answer_id = a.id) "
            + claimed
            + f"ORDER BY a.id DESC LIMIT {int(limit)}",
            values,
        )
        return [(int(r["id"]), r["text"]) for r in rows]

    async def claim_label(
        self, answer_id: int, labeller: str, at: datetime, until: datetime
    ) -> bool:
        """Claim the answer for `labeller`'s /label card until `until`, unless another
        labeller's claim still holds at `at`; whether the claim is theirs. Their earlier claims
        on other answers end (one card shown at a time)."""
        await self.tx.execute(
            "DELETE FROM label_claims WHERE labeller = ? AND answer_id <> ?", (labeller, answer_id)
        )
        row = await self.tx.fetchone(
            "INSERT INTO label_claims (answer_id, labeller, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (answer_id) DO UPDATE SET labeller = excluded.labeller, "
            "expires_at = excluded.expires_at "
            "WHERE label_claims.labeller = excluded.labeller OR label_claims.expires_at <= ? "
            "RETURNING answer_id",
            (answer_id, labeller, to_ts(until), to_ts(at)),
        )
        return row is not None

    async def delete_expired_label_claims(self, at: datetime) -> None:
        """Delete the claims that ended before `at` (an organiser's last claim stays until
        they label again otherwise: which answer they looked at, and when)."""
        await self.tx.execute("DELETE FROM label_claims WHERE expires_at < ?", (to_ts(at),))

    async def list_labels(self, *, visible: bool = False) -> list[tuple[int, str, list[str]]]:
        """(answer id, its current text, the labelled theme ids) of every answer labelled (not
        skipped) and still stored, oldest label first; `visible`: only those not hidden (what
        reports and exports show; learning reads them all)."""
        rows = await self.tx.fetchall(
            "SELECT l.answer_id, a.text, l.themes FROM answer_labels l "
            "JOIN answers a ON a.id = l.answer_id WHERE l.skipped = 0 "
            + ("AND a.hidden = 0 " if visible else "")
            + "ORDER BY l.labelled_at, l.answer_id"
        )
        return [(int(r["answer_id"]), r["text"], list(json.loads(r["themes"]))) for r in rows]

    async def count_labels(self) -> int:
        """Answers labelled (not skipped) so far."""
        return int(
            await self.tx.fetchval("SELECT count(*) AS n FROM answer_labels WHERE skipped = 0") or 0
        )
