"""/qr sends the organiser its cards as albums of up to ten documents, not one message each."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.emulator import BotAPIEmulator
from tests.bot.web.world import free_port
from tests.e2e.test_district_scale import name_of, refused, register_district
from tests.harness import RunningBot, start_bot


def _web() -> dict[str, str]:
    port = free_port()
    return {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}


async def _qr(bot: RunningBot, communities: int) -> list[dict[str, object]]:
    """`/qr 1` for a round in `communities` communities: the card messages it sent."""
    em = bot.emulator
    await register_district(bot, communities)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区的停车位怎样安排？")
    await bot.settle(60)
    mark = len(em.messages_to(private.id))
    em.send_message(bot.organiser, private, "/qr 1")
    await em.wait_for(
        lambda: sum("document" in m for m in em.messages_to(private.id)[mark:]) >= communities,
        60,
    )
    await bot.settle(60)
    return [m for m in em.messages_to(private.id)[mark:] if "document" in m]


@pytest.mark.parametrize(
    ("communities", "albums"),
    [(40, [10, 10, 10, 10]), (11, [6, 5]), (23, [8, 8, 7]), (2, [2])],
)
async def test_cards_go_as_albums_of_at_most_ten_each_card_once(
    emulator: BotAPIEmulator, tmp_path: Path, communities: int, albums: list[int]
) -> None:
    """Forty communities' cards were forty messages (forty of the organiser's, and the bot's,
    sends); now they are four albums of ten. Albums are as even as can be, so none is left
    with a lone card (eleven: six and five, not ten and one). Every card arrives once, with its
    own caption naming its community, as a PNG document."""
    async with start_bot(emulator, tmp_path, web=_web()) as bot:
        cards = await _qr(bot, communities)
        em = bot.emulator
        calls = [c for c in em.calls_to("sendMediaGroup") if c.ok]
        assert [len(c.result) for c in calls] == albums
        assert not [c for c in em.calls_to("sendDocument") if c.ok]
        assert len(cards) == communities
        for i in range(communities):
            assert sum(name_of(i) in str(m.get("caption")) for m in cards) == 1, name_of(i)
        assert all(str(m["document"]["file_name"]).endswith(".png") for m in cards)  # type: ignore[index]
        assert len({m.get("media_group_id") for m in cards}) == len(albums)
        assert refused(bot) == []


async def test_a_single_card_is_one_document(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    """One community: its card is sent as a document, no album of one."""
    async with start_bot(emulator, tmp_path, web=_web()) as bot:
        [card] = await _qr(bot, 1)
        assert card.get("media_group_id") is None
        assert not bot.emulator.calls_to("sendMediaGroup")
        assert name_of(0) in str(card["caption"])
