"""/qr without a round id makes the cards of the round residents can answer now."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sandbox.emulator import BotAPIEmulator
from tests.bot.web.world import free_port
from tests.e2e.test_web_channel import _cards, _web_tables
from tests.harness import start_bot


async def test_qr_without_id_prefers_the_open_round_to_a_later_scheduled_one(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """An organiser who scheduled next month's round, then asked a question now and sent /qr
    (the sandbox's "/qr 网页二维码" chip) got the card of next month's round, which nobody can
    answer yet; the card is now the open round's."""
    async with start_bot(emulator, tmp_path, web=_web_tables(free_port())) as running:
        await running.register("碧海社区居民群", "碧海社区")
        private = running.emulator.private_chat(running.organiser)
        later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=30)
        await running.command(
            private, f"/schedule 碧海社区 {later:%Y-%m-%d} 09:00 48h 下个月社区活动有什么建议？"
        )
        await running.command(private, "/ask all 2h 你希望社区的数字服务怎样改进？")
        async with running.core.repo.transaction() as session:
            (open_round,) = await session.list_rounds(states=("open",))
        mark = max(m["message_id"] for m in running.emulator.messages_to(private.id))
        await running.command(private, "/qr")
        cards = _cards(running, mark)
        assert len(cards) == 1
        assert f"第 {open_round.id} 轮征询" in cards[0]["caption"], cards[0]["caption"]
