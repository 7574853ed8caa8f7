"""What the bot keeps of each configured organiser, keyed by their pseudonym: the language
they last wrote in (table `organiser_languages`, migration 0016), and the close reports they
could not be sent (table `missed_reports`, migration 0020)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.repository.base import Part, placeholders


class OrganiserLanguages(Part):
    """Table `organiser_languages`."""

    async def set_organiser_language(self, organiser: str, lang: str) -> None:
        """Remember `lang` for the organiser (a second write with the same value changes
        nothing)."""
        await self.tx.execute(
            "INSERT INTO organiser_languages (organiser, lang) VALUES (?, ?) "
            "ON CONFLICT (organiser) DO UPDATE SET lang = excluded.lang "
            "WHERE organiser_languages.lang <> excluded.lang",
            (organiser, lang),
        )

    async def get_organiser_languages(self, organisers: Sequence[str]) -> dict[str, str]:
        """The remembered language of each of these organisers that has one."""
        if not organisers:
            return {}
        rows = await self.tx.fetchall(
            "SELECT organiser, lang FROM organiser_languages WHERE organiser IN "
            + placeholders(organisers),
            tuple(organisers),
        )
        return {str(row["organiser"]): str(row["lang"]) for row in rows}


class MissedReports(Part):
    """Table `missed_reports`."""

    async def add_missed_report(self, organiser: str, round_id: int) -> None:
        """Remember that the organiser could not be sent round `round_id`'s report."""
        await self.tx.execute(
            "INSERT INTO missed_reports (organiser, round_id) VALUES (?, ?) "
            "ON CONFLICT (organiser, round_id) DO NOTHING",
            (organiser, round_id),
        )

    async def untold_missed_reports(self, organiser: str) -> list[int]:
        """The rounds whose reports the organiser missed and was not told of yet, in order."""
        rows = await self.tx.fetchall(
            "SELECT round_id FROM missed_reports WHERE organiser = ? AND told = 0 "
            "ORDER BY round_id",
            (organiser,),
        )
        return [int(r["round_id"]) for r in rows]

    async def set_missed_reports_told(self, organiser: str, round_ids: Sequence[int]) -> None:
        """The organiser was told of the reports of these rounds they missed."""
        if not round_ids:
            return
        await self.tx.execute(
            "UPDATE missed_reports SET told = 1 WHERE organiser = ? AND round_id IN "
            + placeholders(round_ids),
            (organiser, *round_ids),
        )

    async def take_missed_reports(self, organiser: str) -> list[int]:
        """The rounds whose reports the organiser missed, in order, forgotten from now on."""
        rows = await self.tx.fetchall(
            "DELETE FROM missed_reports WHERE organiser = ? RETURNING round_id", (organiser,)
        )
        return sorted(int(r["round_id"]) for r in rows)
