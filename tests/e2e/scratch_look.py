import time
from tests.e2e.test_district_scale import register_district, import_district_values, seed_answers


async def test_look(minyi_bot):
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 1h 你好吗")
    await seed_answers(bot, 1, 80)
    await import_district_values(bot)
    resident = em.add_user("居民")
    rc = em.private_chat(resident)
    for cmd in ("/index", "/digest", "/report 1", "/export 1", "/export", "/report", "/rounds"):
        start = len(em.calls)
        t0 = time.time()
        em.send_message(bot.organiser, private, cmd)
        em.send_message(resident, rc, "/help")
        await bot.settle(60)
        calls = [c for c in em.calls[start:] if c.method not in ("getUpdates",)]
        help_at = next((i for i, c in enumerate(calls) if str(c.params.get("chat_id")) == str(rc.id)), None)
        print(cmd, "calls", len(calls), "help at", help_at, "span", round(calls[-1].time - t0, 2), "first", round(calls[0].time - t0, 2), "help t", round(calls[help_at].time - t0, 2) if help_at is not None else None)
