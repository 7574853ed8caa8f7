"""What is kept of organisers (`organiser_languages`, migration 0016; `missed_reports`, 0020),
on both backends."""

from __future__ import annotations

from storage.repository import Repository
from tests.storage.test_closing_and_erasure import _open_round


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


async def test_missed_reports_are_told_once_and_taken_once(repo: Repository) -> None:
    """A missed report stays untold until marked told (only the rounds marked), is listed per
    organiser, and taking them forgets them all, told or not."""
    round_ids = [await _open_round(repo) for _ in range(3)]
    first, second, third = round_ids
    async with repo.transaction() as session:
        await session.add_missed_report("p-li", second)
        await session.add_missed_report("p-li", first)
        await session.add_missed_report("p-li", first)  # a re-sent report missed again
        await session.add_missed_report("p-olivia", first)
    async with repo.transaction() as session:
        assert await session.untold_missed_reports("p-li") == [first, second]
        await session.set_missed_reports_told("p-li", [first])
        await session.add_missed_report("p-li", third)
    async with repo.transaction() as session:
        assert await session.untold_missed_reports("p-li") == [second, third]
        assert await session.take_missed_reports("p-li") == [first, second, third]
    async with repo.transaction() as session:
        assert await session.untold_missed_reports("p-li") == []
        assert await session.take_missed_reports("p-li") == []
        assert await session.untold_missed_reports("p-olivia") == [first]


async def test_forget_deletes_an_organisers_language_and_missed_reports(repo: Repository) -> None:
    """/forget (`delete_resident_data`) by an organiser deletes what is kept under their
    pseudonym as an organiser too, and nothing of another organiser."""
    first = await _open_round(repo)
    async with repo.transaction() as session:
        await session.set_organiser_language("p-li", "en")
        await session.set_organiser_language("p-olivia", "zh")
        await session.add_missed_report("p-li", first)
        await session.add_missed_report("p-olivia", first)
    async with repo.transaction() as session:
        await session.delete_resident_data("p-li")
    async with repo.transaction() as session:
        assert await session.get_organiser_languages(["p-li", "p-olivia"]) == {"p-olivia": "zh"}
        assert await session.untold_missed_reports("p-li") == []
        assert await session.untold_missed_reports("p-olivia") == [first]
