"""QR cards of a round's web pages: they decode back to the page's address."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.core.errors import OutOfReach, RoundError
from bot.core.rounds import close_round
from bot.render.qr import render_card, save_cards
from bot.web.qr import round_cards
from tests.bot.web.world import WebWorld


def decoded(png: bytes) -> list[str]:
    """The texts of the QR codes an independent decoder (ZXing) reads in a PNG."""
    image = Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image)]


async def test_each_communitys_card_decodes_to_its_working_page(
    world: WebWorld, tmp_path: Path
) -> None:
    """A round in two communities gives two cards (also as the default, newest open round);
    each QR code reads back as that community's page address, which serves the round's
    question; an unknown or closed round gets none."""
    question = "在智慧社区里，你心目中的“好治理”是什么样的？请说说你最关心的一件事。"
    round_ = await world.open_round("text", question)
    cards = await round_cards(world.core, world.options, round_.id)
    assert sorted(c.community_id for c in cards) == [c.id for c in world.communities]
    phone = await world.browser()
    for card in cards:
        community = next(c for c in world.communities if c.id == card.community_id)
        assert card.community == community.name
        assert decoded(card.png) == [card.url]
        assert card.url == world.base + world.path(round_, community)
        page = await phone.get(card.url.removeprefix(world.base))
        assert page.status == 200 and community.name in page.text
    written = save_cards(cards, tmp_path / "qr")
    assert [p.name for p in written] == [c.filename for c in cards]
    assert decoded(written[1].read_bytes()) == [cards[1].url]
    assert [c.url for c in await round_cards(world.core, world.options, None)] == [
        c.url for c in cards
    ]
    with pytest.raises(OutOfReach):
        await round_cards(world.core, world.options, 999)
    await close_round(world.core, round_.id)
    with pytest.raises(RoundError):
        await round_cards(world.core, world.options, round_.id)


def test_a_long_question_still_leaves_a_readable_code() -> None:
    """A question far longer than the card is cut, and the code still decodes."""
    url = "https://minyi.example.org/r/" + "a" * 32
    png = render_card(url, "一个名字很长很长很长很长很长很长很长很长很长很长的社区", "问" * 2000)
    assert decoded(png) == [url]
    assert Image.open(io.BytesIO(png)).size[0] == 720
