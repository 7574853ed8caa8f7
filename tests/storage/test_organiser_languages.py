"""Organisers' remembered languages (`organiser_languages`, migration 0016), on both backends."""

from __future__ import annotations

from storage.repository import Repository


async def test_a_language_is_remembered_replaced_and_read_per_organiser(repo: Repository) -> None:
    """The last language written for an organiser's pseudonym wins; organisers never written
    are absent from what is read."""
    async with repo.transaction() as session:
        await session.set_organiser_language("p-olivia", "en")
        await session.set_organiser_language("p-li", "zh")
        await session.set_organiser_language("p-li", "zh")
    async with repo.transaction() as session:
        await session.set_organiser_language("p-olivia", "zh")
    async with repo.transaction() as session:
        found = await session.get_organiser_languages(["p-olivia", "p-li", "p-never"])
        assert await session.get_organiser_languages([]) == {}
    assert found == {"p-olivia": "zh", "p-li": "zh"}
