"""The language each configured organiser last wrote in (table `organiser_languages`,
migration 0016), keyed by their pseudonym."""

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
