"""Other scripts' digits in a command are refused with a message saying which digits to use,
and change nothing: `/close ١` closed round 1 (int() reads Arabic-Indic digits), `/close ²`
closed round 2 (NFKC folding), `/ask ٤٨h …` opened a 48-hour round. Full-width digits, which
a Chinese input method types, keep working."""

from __future__ import annotations

from tests.harness import RunningBot


async def _open_rounds(bot: RunningBot) -> list[int]:
    async with bot.core.repo.transaction() as session:
        return sorted(r.id for r in await session.list_rounds(states=("open",)))


async def test_close_in_other_digits_closes_nothing_and_says_why(minyi_bot: RunningBot) -> None:
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 48h 小区的停车位够用吗？")
    await bot.command(group, "/ask 48h 楼道的灯多久没修了？")
    assert await _open_rounds(bot) == [1, 2]
    for word in ("١", "²", "१", "①", "𝟐", "1٢"):
        await bot.command(group, f"/close {word}")
        said = bot.bot_texts(group)[-1]
        assert "0–9" in said, said
        assert await _open_rounds(bot) == [1, 2], word
    await bot.command(group, "/close ２")
    assert await _open_rounds(bot) == [1]


async def test_a_duration_in_other_digits_opens_no_round(minyi_bot: RunningBot) -> None:
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask ٤٨h 小区的停车位够用吗？")
    assert "٤٨" in bot.bot_texts(group)[-1] and "0–9" in bot.bot_texts(group)[-1]
    assert await _open_rounds(bot) == []
    await bot.command(group, "/ask ４８ｈ 小区的停车位够用吗？")
    assert await _open_rounds(bot) == [1]
