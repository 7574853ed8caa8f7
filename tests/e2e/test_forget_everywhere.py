"""After /forget, no table of the database holds anything of the resident, on each backend.

A resident answers in the group and privately, edits, votes in a poll, a rating and a
priorities round, is refused (a bad start link), leaves a private answer begun and an update
the bot cannot process (a dead letter); then /forget. Every row of every table is read back
and searched for their Telegram id, name, username, pseudonym and words. (A refusal in their
private chat once stored their raw Telegram id in `refusal_counts` on PostgreSQL.) An
organiser's /forget likewise: the rounds they created, answers they hid and labels they gave
once kept their pseudonym, and their private chat's shared flood wait its start.
"""

from __future__ import annotations

from bot.core.base import Core
from sandbox.models import SimChat
from storage.repository.refusals import private_chat_key
from tests.e2e.dbfiles import database_bytes
from tests.e2e.test_log_privacy import queue_malformed_answer
from tests.e2e.test_privacy import answer_privately, eventually, open_post, press_forget
from tests.harness import RunningBot
from tests.labelling_helpers import label_message, press_label

WORDS = "紫藤萝小区的路灯"


async def every_row(core: Core) -> dict[str, list[str]]:
    """Every row of every table of the bot's database, each written out as text."""
    async with core.repo.transaction() as session:
        tx = session.tx
        if core.repo.shared:
            names = [
                r["table_name"]
                for r in await tx.fetchall(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ]
        else:
            names = [
                r["name"]
                for r in await tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not r["name"].startswith("sqlite_")
            ]
        rows: dict[str, list[str]] = {}
        for name in names:
            rows[name] = [repr(dict(r)) for r in await tx.fetchall(f'SELECT * FROM "{name}"')]
        return rows


def found(rows: dict[str, list[str]], needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, needle, row) for each row holding a needle."""
    return [
        (table, needle, row)
        for table, texts in rows.items()
        for row in texts
        for needle in needles
        if needle in row
    ]


async def test_forget_leaves_nothing_of_the_resident_in_any_table(
    minyi_bot_each: RunningBot,
) -> None:
    """After a confirmed /forget, no row of any table names the resident (raw id, name,
    username, pseudonym) or holds their words, while the other resident's vote stays."""
    bot = minyi_bot_each
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    resident = em.add_user("紫藤居民", username="ziteng_resident")
    other = em.add_user("别的居民")
    bot.join(resident)
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = open_post(bot, group, "社区征询 #1")["message_id"]
    sent = em.send_message(resident, group, f"{WORDS}坏了，电话13812345678", reply_to=post)
    await bot.settle()
    em.edit_message(resident, group, sent, f"{WORDS}坏了三个月")
    await answer_privately(bot, resident, 1, f"{WORDS}晚上太暗，老人看不清。")
    await bot.command(group, "/poll 1h 议事会几点开？ | 周六上午 | 周日下午")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    await bot.command(group, "/priorities 1h")
    for poll in em.polls():
        em.vote_poll(resident, poll, [0])
        em.vote_poll(other, poll, [1])
    em.press_button(resident, group, open_post(bot, group, "社区评分 #3")["message_id"], "rate:3:1")
    private = em.private_chat(resident)
    await bot.command(private, "/start r99", user=resident)  # a refusal in their private chat
    await bot.command(private, "/start r1", user=resident)  # a private answer begun, not sent
    queue_malformed_answer(em, group, resident, post)  # fails every time: a dead letter
    await bot.settle(60)
    pseudonym = bot.core.resident(resident.id)
    needles = [WORDS, pseudonym, str(resident.id), "紫藤居民", "ziteng_resident"]
    # How the shared count of refusals (PostgreSQL) names their private chat.
    needles.append(f"'chat_id': {private_chat_key(pseudonym)},")
    before = await every_row(bot.core)
    for table in ("answers", "votes", "private_sessions", "dead_letters", "tally_activity"):
        assert found({table: before[table]}, needles), f"the story left nothing in {table}"

    await press_forget(bot, resident, confirm=True)

    after = await every_row(bot.core)
    assert not found(after, needles), found(after, needles)
    assert found(after, [bot.core.resident(other.id)])


async def test_forget_by_an_organiser_leaves_nothing_of_them_in_any_table(
    minyi_bot_each: RunningBot,
) -> None:
    """An organiser who created rounds, hid an answer, labelled one and holds a claim on the
    next, had close reports missed (kept under their pseudonym), their language remembered and
    (on PostgreSQL) a flood wait in their private chat shared; after their confirmed /forget,
    no row of any table names them, while their rounds, the hiding and the label stay."""
    bot = minyi_bot_each
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    for number in (1, 2):
        await bot.command(group, "/ask 2h 社区最需要改进什么？")
        await bot.command(group, f"/close {number}")
    await bot.command(group, "/ask 2h 小区哪里最需要改进？")
    post = open_post(bot, group, "社区征询 #3")["message_id"]
    for name, text in (("甲", "路灯坏了很久没人修"), ("乙", "垃圾分类做得不好"), ("丙", "广告")):
        em.send_message(em.add_user(name), group, text, reply_to=post)
    await bot.settle()
    await bot.command(group, "/hide 3")
    private = em.private_chat(bot.organiser)
    # Telegram asks a flood wait of their private chat (shared on PostgreSQL).
    em.inject_fault("429", method="sendMessage", retry_after=1, chat_id=private.id)
    await bot.command(private, "/label")
    await bot.emulator.wait_for(lambda: _has_label_card(bot, private), 15)
    await press_label(bot, private, label_message(bot, private), "ok")  # labels one, claims next
    pseudonym = bot.core.resident(bot.organiser.id)
    # The shared flood limits name their private chat by the start of the pseudonym.
    needles = [pseudonym, pseudonym[:12], str(bot.organiser.id)]
    before = await every_row(bot.core)
    tables = ["missed_reports", "organiser_languages", "rounds", "moderation_log"]
    tables += ["answer_labels", "label_claims"]
    if bot.core.repo.shared:
        tables.append("flood_windows")
    for table in tables:
        assert found({table: before[table]}, needles), f"the story left nothing in {table}"

    await press_forget(bot, bot.organiser, confirm=True)

    after = await every_row(bot.core)
    assert not found(after, needles), sorted({(t, n) for t, n, _ in found(after, needles)})
    for table in ("rounds", "moderation_log", "answer_labels"):
        assert len(after[table]) == len(before[table]), table
    if not bot.core.repo.shared:
        # Nor the file's bytes, once the scheduler scrubbed them (secure_delete, checkpoint).

        async def scrubbed() -> bool:
            return pseudonym.encode() not in database_bytes(bot.settings)

        await eventually(scrubbed)


def _has_label_card(bot: RunningBot, chat: SimChat) -> bool:
    try:
        label_message(bot, chat)
    except AssertionError:
        return False
    return True
