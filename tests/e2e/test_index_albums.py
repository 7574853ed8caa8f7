"""/index sends the organiser the leading scorecards as one album of photos (as /qr sends its
cards), not one message per community."""

from __future__ import annotations

from pathlib import Path

import pytest

import handlers.index
from bot.core.index.values import period_of
from bot.core.indexing import import_values
from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_district_scale import name_of, refused, register_district
from tests.harness import RunningBot, start_bot


async def _scored(bot: RunningBot, communities: int) -> None:
    """`communities` groups registered, each with a distinct value this quarter (the i-th
    highest first), so that every one has an index and a rank."""
    await register_district(bot, communities)
    period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
    rows = ["community,indicator,period,value"]
    for i in range(communities):
        rows.append(f"{name_of(i)},voice_heard,{period},{4.5 - i * 0.1:.2f}")
    await import_values(bot.core, ("\n".join(rows) + "\n").encode(), "values.csv")


async def _index(bot: RunningBot) -> list[dict[str, object]]:
    """`/index` in private; every message it sent there once all is sent."""
    em = bot.emulator
    private = em.private_chat(bot.organiser)
    mark = len(em.messages_to(private.id))
    em.send_message(bot.organiser, private, "/index")
    await em.wait_for(lambda: len(em.messages_to(private.id)) > mark, 60)
    await bot.settle(60)
    return em.messages_to(private.id)[mark:]


def _photos(sent: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m for m in sent if "photo" in m]


async def test_twelve_communities_get_one_album_of_the_ten_leading_scorecards(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Twelve scored communities: the ten leading scorecards arrive as one album (one
    request, one notification), not ten photo messages; each photo once, its caption naming
    its community, in rank order; then the line saying where the other two are."""
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.01}) as bot:
        await _scored(bot, 12)
        bot.emulator.enable_flood_control()
        sent = await _index(bot)
        em = bot.emulator
        albums = [c for c in em.calls_to("sendMediaGroup") if c.ok]
        assert [len(c.result) for c in albums] == [10]
        assert not em.calls_to("sendPhoto")
        photos = _photos(sent)
        captions = [str(m.get("caption", "")) for m in photos]
        assert [c.split(" · ")[0] for c in captions] == [name_of(i) for i in range(10)], captions
        assert len({m.get("media_group_id") for m in photos}) == 1
        assert str(sent[-1].get("text", "")).startswith("以上是排名前 10 个社区的评分卡")
        assert refused(bot) == []


@pytest.mark.parametrize(("cap", "albums"), [(11, [6, 5]), (3, [3])])
async def test_scorecards_over_ten_split_into_even_albums(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cap: int,
    albums: list[int],
) -> None:
    """With more scorecards than an album holds they go as even albums (eleven: six and
    five), through the same code as /qr's cards; every community's card once."""
    monkeypatch.setattr(handlers.index, "SCORECARDS", cap)
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.01}) as bot:
        await _scored(bot, cap)
        sent = await _index(bot)
        em = bot.emulator
        assert [len(c.result) for c in em.calls_to("sendMediaGroup") if c.ok] == albums
        captions = [str(m.get("caption", "")) for m in _photos(sent)]
        for i in range(cap):
            assert sum(c.startswith(f"{name_of(i)} · ") for c in captions) == 1, captions
        assert refused(bot) == []


async def test_a_single_scorecard_is_one_photo(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    """One scored community: its scorecard is a plain photo, no album of one."""
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.01}) as bot:
        await _scored(bot, 1)
        sent = await _index(bot)
        (photo,) = _photos(sent)
        assert photo.get("media_group_id") is None
        assert not bot.emulator.calls_to("sendMediaGroup")
        assert str(photo.get("caption", "")).startswith(name_of(0))


async def test_a_429_on_the_album_sends_every_scorecard_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Telegram answers 429 to the album: it is sent again after the wait, and every
    scorecard arrives exactly once."""
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.01}) as bot:
        await _scored(bot, 4)
        em = bot.emulator
        private = em.private_chat(bot.organiser)
        em.inject_fault("429", method="sendMediaGroup", retry_after=1, chat_id=private.id)
        sent = await _index(bot)
        captions = [str(m.get("caption", "")) for m in _photos(sent)]
        for i in range(4):
            assert sum(c.startswith(f"{name_of(i)} · ") for c in captions) == 1, captions
        assert any(c.error_code == 429 for c in em.calls_to("sendMediaGroup"))
