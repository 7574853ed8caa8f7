"""Web forms' one-time nonces (SPEC §11): a form posted twice counts once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part


class WebForms(Part):
    """Table `web_forms`."""

    async def add_web_forms(self, nonces: Sequence[str], at: datetime) -> set[str]:
        """Mark web forms' one-time nonces used, in one statement; those that were not used
        before (the others are replays). `nonces` must be distinct."""
        if not nonces:
            return set()
        rows = await self.tx.fetchall(
            "INSERT INTO web_forms (nonce, used_at) VALUES "
            + ", ".join(["(?, ?)"] * len(nonces))
            + " ON CONFLICT DO NOTHING RETURNING nonce",
            [value for nonce in nonces for value in (nonce, to_ts(at))],
        )
        return {str(r["nonce"]) for r in rows}

    async def delete_web_forms_before(self, before: datetime) -> int:
        """Forget used nonces of forms that expired anyway (older than a form's lifetime)."""
        return await self.tx.execute("DELETE FROM web_forms WHERE used_at < ?", (to_ts(before),))
