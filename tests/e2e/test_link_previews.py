"""No link previews in what the bot sends: a resident's quote with an address in it must not put
a preview card, chosen by whoever runs that site, into the staff's report or the group."""

from __future__ import annotations

from tests.e2e.test_privacy import open_post
from tests.harness import RunningBot


async def test_a_quoted_address_gets_no_preview_card(minyi_bot: RunningBot) -> None:
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 小区停车有什么建议？")
    post = open_post(bot, group, "社区征询 #1")["message_id"]
    resident = em.add_user("居民")
    em.send_message(resident, group, "停车太难了，详情见 https://evil.example/停车", reply_to=post)
    await bot.settle()
    await bot.command(group, "/report")
    await bot.wait_text(group, lambda t: "evil.example" in t, timeout=30)
    sent = [c for c in em.calls_to("sendMessage") if c.ok]
    assert sent and any("evil.example" in c.params["text"] for c in sent)
    for call in sent:
        options = call.params.get("link_preview_options")
        assert options is not None and options.get("is_disabled") is True, call.params
