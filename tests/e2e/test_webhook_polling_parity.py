"""Webhook mode stores and says what long polling does (bot/telegram/intake.py: `Gatherer`
beside `poll_updates`).

One scripted consultation is played twice on fresh SQLite files: once polled, once POSTed to
the webhook by an emulator that delivers up to 40 updates at once and POSTs every one of them
again after it was acknowledged. Each person's own steps wait for the bot, as a person waits
to see their message go through; different people act at the same moment. What was stored
(every table but bookkeeping, ids and times), `minyi report --json` while the rounds are open
and after they closed, and what the bot told each chat (a multiset per chat: across chats and
within a burst the order may differ) must be the same.

The city-scale configuration (SPEC §8) plays it a third time: two webhook applications, each
with its own Core and Repository, on one fresh PostgreSQL schema behind a round-robin load
balancer, with the same concurrent, repeating deliveries; it must match the polled SQLite run.
They run in this process rather than as `minyi run --webhook` subprocesses so that settling
can wait on each application's reply queue (replies are queued as updates commit, before the
200s); a subprocess would leave only a wait for quiet, a guess about speed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.app import build_application, run_application
from bot.core.base import open_core
from bot.core.reports import show_quote
from bot.render.texts import TEMPLATES
from bot.telegram.replies import REFUSALS_PER_MINUTE
from bot.telegram.webhook import WebhookOptions, serve_webhook
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from storage.backends.postgres import split_schema
from tests.bot.web.world import free_port
from tests.e2e.processes import LoadBalancer
from tests.harness import SECRET, RunningBot, make_settings, run_bot
from tests.pg import postgres_schema_url

HOOK_SECRET = "parity-secret_1"
# Every acknowledged delivery is POSTed again until this many extra POSTs were made.
EXTRA_DELIVERIES = 1000

FIRST = [
    "停车位太少了，晚上回家找不到车位",
    "希望物业公开账目，让居民参与讨论",
    "电梯经常坏，维修太慢",
    "垃圾分类点太远，老人不方便",
    "小区路灯坏了很久，晚上出门不安全",
    "噪音扰民，装修时间应该规定",
    "希望多办社区活动，邻里多交流",
    "老年人不会用手机预约，数字服务要照顾老人",
    "孩子上学路上车太多，需要交通协管",
    "绿化太少，希望多种树",
    "社区医院排队时间太长",
    "物业费涨价没有征求意见",
    "快递柜不够用",
    "希望公开维修基金的使用情况",
    "外来车辆随便停，保安不管",
]
SECOND = [
    "补充：地下车库照明也不好",
    "另外希望成立业主委员会",
    "监控摄像头太少",
    "建议设立意见箱，定期回应",
    "健身器材坏了没人修",
    "电话 13812345678 有事可以联系我",
    "希望办事流程更透明",
    "公共区域吸烟的人太多",
    "宠物粪便没人清理",
    "楼道堆放杂物，消防隐患",
]
# Bot API calls that say nothing to anybody.
QUIET = {"getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "setMyCommands", "getMe"}
# Clock times and dates in the bot's texts (closing times): each run has its own.
TIMES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
# Columns that differ between two correct runs: ids given in arrival order, times, the update
# bookkeeping, a tally's hour bucket and slot.
VOLATILE = re.compile(
    r"^(id|answer_id|update_id|message_id|hour|slot|payload|created_at|updated_at|at|\w+_at)$"
)
BOOKKEEPING = {
    "processed_updates",
    "schema_version",
    "deployment_secrets",
    "sqlite_sequence",
    "refusal_counts",
    "flood_windows",
}
# A round's private link names its community by id.
START_LINK = re.compile(r"(start=r\d+c)(\d+)")
# A report's quotes in its text: of answers with equal scores, the one stored first is quoted
# (bot/core/reports.py `pick_quotes`), and which one that is two processes leave open.
# Each is shown masked (`show_quote`): the answers' "（3号楼）" read "（[门牌]）".
QUOTED = re.compile(r"「[^」]*」— ")
# What the bot says refusing an answer (handlers/answers.py REFUSALS), capped per chat.
REFUSAL = re.compile(
    "|".join(
        re.sub(r"\\\{\w+\\\}", ".*", re.escape(TEMPLATES[key][0]))
        for key in ("answer_too_long", "answer_not_text", "answer_rate_limited", "round_not_open")
    ),
    re.DOTALL,
)
# The report tallies' counter columns (storage/repository/tallies.py); the other columns are a
# counter's key. PostgreSQL spreads a hot counter over several rows (`slot`), so counters are
# compared summed over their key.
COUNTERS = {"answers", "untagged", "score_micros", "votes", "n", "people", "voters"}
# Webhook applications behind the load balancer in the PostgreSQL run.
PROCESSES = 2


@dataclass
class Played:
    """What one run of the scenario left behind."""

    open_report: dict[str, Any]
    names: dict[int, str] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)
    # Community ids by name: two registered at the same moment take theirs in commit order.
    communities: dict[int, str] = field(default_factory=dict)


@dataclass
class Deployment:
    """The bot applications playing the scenario against one emulator and one database, and
    where `minyi report` finds their configuration."""

    emulator: BotAPIEmulator
    organiser: SimUser
    bots: list[RunningBot]
    workdir: Path
    balancer: LoadBalancer | None = None

    @property
    def url(self) -> str:
        """The database every application stores in."""
        return self.bots[0].settings.storage.url


def webhook_options(port: int, public_url: str) -> WebhookOptions:
    """Listen on `port` and register `public_url` (where the emulator POSTs) as the webhook."""
    return WebhookOptions("127.0.0.1", port, HOOK_SECRET, public_url=public_url)


@contextlib.asynccontextmanager
async def running(mode: str, em: BotAPIEmulator, tmp: Path) -> AsyncIterator[Deployment]:
    """The real bot on a fresh SQLite file under `tmp`, polling or behind a webhook."""
    secret = HOOK_SECRET if mode == "webhook" else None
    async with run_bot(em, tmp, webhook_secret=secret) as bot:
        yield Deployment(em, bot.organiser, [bot], tmp)


@contextlib.asynccontextmanager
async def balanced(em: BotAPIEmulator, tmp: Path, url: str) -> AsyncIterator[Deployment]:
    """PROCESSES webhook applications on the database at `url`, each with its own Core and
    Repository (opened at once, as processes starting together would), behind a round-robin
    load balancer whose address is the webhook."""
    organiser = em.add_user("Organiser", language_code="zh-hans")
    settings = make_settings(
        tmp, em, [organiser.id], telegram={"webhook_secret": HOOK_SECRET}, storage={"url": url}
    )
    ports = [free_port() for _ in range(PROCESSES)]
    balancer = LoadBalancer([f"http://127.0.0.1:{port}/telegram" for port in ports])
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    cores = await asyncio.gather(*(open_core(settings) for _ in ports))
    try:
        async with balancer.running():
            bots = []
            for core, port in zip(cores, ports, strict=True):
                app = build_application(settings, core, em.token)
                intake = serve_webhook(webhook_options(port, balancer.url))
                tasks.append(asyncio.create_task(run_application(app, core, stop, intake)))
                bots.append(RunningBot(em, core, settings, organiser, app))
            # Each application listens before it registers the webhook.
            await em.wait_for(
                lambda: len(em.calls_to("setWebhook")) == PROCESSES or any(t.done() for t in tasks),
                30,
            )
            for task in tasks:
                if task.done():
                    task.result()
            try:
                yield Deployment(em, organiser, bots, tmp, balancer)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), 30)
    finally:
        for core in cores:
            await core.repo.close()


async def settle(deployment: Deployment) -> None:
    """Every update delivered and committed, and every post and reply it owes sent (a webhook
    run queues its replies as it commits, before its POSTs are answered), by every application."""
    await deployment.emulator.wait_idle(30)
    for bot in deployment.bots:
        await bot.settle(30)


def post_id(em: BotAPIEmulator, chat: SimChat, marker: str) -> int:
    """The id of the bot's message in `chat` whose text contains `marker`."""
    found: int = next(m for m in em.messages_to(chat.id) if marker in m.get("text", ""))[
        "message_id"
    ]
    return found


async def cli_report(deployment: Deployment) -> dict[str, Any]:
    """`minyi report --json` on the bot's database, without the times of the rounds, with the
    deployment's privacy secret as its config file would have it."""
    config = deployment.workdir / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{deployment.url}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "report", "--json", "--config", str(config)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    data: dict[str, Any] = json.loads(out)
    for round_ in data["rounds"]:
        for key in ("opens_at", "opened_at", "closes_at"):  # times of the run, not results
            round_.pop(key, None)
    return data


async def play(bot: Deployment, duplicates: bool) -> Played:
    """Two communities, a text round with 59 answers kept from 30 residents (repeats, edits, an
    over-long one, a sticker, private answers), a poll, a rating, an anonymous poll, /mydata
    and /forget, /close, answers after closing, /report."""
    em, org = bot.emulator, bot.organiser
    desk = em.private_chat(org)
    people = [em.add_user(f"居民{i}") for i in range(30)]
    bihai = em.add_group("碧海社区居民群", admins=[org])
    huizhan = em.add_group("会展城社区居民群", admins=[org])
    for group in (bihai, huizhan):
        em.add_bot_to_group(group, org)
    home: dict[int, SimChat] = {}
    for i, person in enumerate(people):
        home[person.id] = bihai if i < 15 else huizhan
        em.add_member(home[person.id], person)
    await settle(bot)
    em.send_message(org, bihai, "/community 碧海社区")
    em.send_message(org, huizhan, "/community 会展城社区")
    em.send_message(org, desk, "/start")
    await settle(bot)
    if duplicates:
        em.webhook_duplicates = EXTRA_DELIVERIES
    em.send_message(org, desk, "/ask all 2h 小区最需要改进什么？")
    await settle(bot)
    posts = {g.id: post_id(em, g, "社区征询 #1") for g in (bihai, huizhan)}

    def group_of(person: SimUser) -> SimChat:
        return home[person.id]

    # Everybody answers once: replies, and some plain messages (the only open text round).
    first: dict[int, int] = {}
    for i, person in enumerate(people):
        reply_to = None if i % 7 == 3 else posts[group_of(person).id]
        first[person.id] = em.send_message(
            person, group_of(person), f"{FIRST[i % 15]}（{i}号楼）", reply_to=reply_to
        )
    await settle(bot)
    # Twenty answer again; three repeat themselves word for word; one writes too much; one
    # sends a sticker.
    for i, person in enumerate(people[:20]):
        chat = group_of(person)
        em.send_message(person, chat, f"{SECOND[i % 10]}（{i}）", reply_to=posts[chat.id])
    for i in (20, 21, 22):
        chat = group_of(people[i])
        em.send_message(people[i], chat, f"{FIRST[i % 15]}（{i}号楼）", reply_to=posts[chat.id])
    em.send_message(people[23], huizhan, "很长" * 1100, reply_to=posts[huizhan.id])
    em.send_sticker(people[24], huizhan, reply_to=posts[huizhan.id])
    await settle(bot)
    # Three answer privately through the round's link.
    private = people[25:28]
    for person in private:
        em.send_message(person, em.private_chat(person), "/start r1")
    await settle(bot)
    said_privately = {
        person.id: em.send_message(person, em.private_chat(person), f"私下说：希望公开预算{j}")
        for j, person in enumerate(private)
    }
    await settle(bot)
    for i in (0, 1, 16):
        person = people[i]
        em.edit_message(
            person, group_of(person), first[person.id], f"改一下：{FIRST[(i + 5) % 15]}"
        )
    em.edit_message(
        private[0], em.private_chat(private[0]), said_privately[private[0].id], "改：公开预算和决算"
    )
    await settle(bot)

    # A poll in 碧海社区; three change their vote, one takes it back.
    em.send_message(org, bihai, "/poll 2h 垃圾分类点设在哪里？ | 东门 | 西门 | 北门")
    await settle(bot)
    (poll_id,) = [p for p, v in em.polls().items() if v["chat_id"] == bihai.id]
    for i, person in enumerate(people[:15]):
        em.vote_poll(person, poll_id, [i % 3])
    await settle(bot)
    for i in (0, 1, 2):
        em.vote_poll(people[i], poll_id, [(i + 1) % 3])
    em.vote_poll(people[3], poll_id, [])
    await settle(bot)

    # A rating in 会展城社区; three press the same button again, three change their mind.
    played = Played(open_report={})
    em.send_message(org, huizhan, "/rate 2h 物业服务打几分？")
    await settle(bot)
    rating = post_id(em, huizhan, "社区评分 #3")
    for i, person in enumerate(people[15:]):
        played.queries.append(em.press_button(person, huizhan, rating, f"rate:3:{1 + i % 5}"))
    await settle(bot)
    for i in range(6):
        value = 1 + i % 5 if i < 3 else 5
        played.queries.append(em.press_button(people[15 + i], huizhan, rating, f"rate:3:{value}"))
    await settle(bot)

    # Different people doing different things at the same moment.
    for i in range(4, 9):
        em.vote_poll(people[i], poll_id, [(i + 2) % 3])
    for i in range(9, 15):
        em.send_message(people[i], bihai, f"再说一句：{SECOND[i % 10]}（{i}）")
    for i in (15, 16, 17):
        em.edit_message(people[i], huizhan, first[people[i].id], f"我改主意了：{FIRST[i - 12]}")
    for i in range(19, 24):
        value = 1 + (i * 2) % 5
        played.queries.append(em.press_button(people[i], huizhan, rating, f"rate:3:{value}"))
    for i in (24, 25, 26):
        em.send_message(people[i], em.private_chat(people[i]), "/mydata")
    await settle(bot)

    # An anonymous poll: Telegram reports only its totals.
    em.send_message(org, huizhan, "/poll --anonymous 2h 周末集市办在哪里？ | 广场 | 停车场")
    await settle(bot)
    (anonymous_id,) = [p for p, v in em.polls().items() if v["chat_id"] == huizhan.id]
    for i, person in enumerate(people[15:]):
        em.vote_poll(person, anonymous_id, [0 if i < 10 else 1])
    await settle(bot)
    em.send_message(org, desk, "/report 4")
    await settle(bot)
    played.open_report = await cli_report(bot)

    # /mydata, /forget (confirmed), /mydata again; another declines.
    for person, confirm in ((people[5], True), (people[18], False)):
        chat = em.private_chat(person)
        em.send_message(person, chat, "/mydata")
        await settle(bot)
        em.send_message(person, chat, "/forget")
        await settle(bot)
        keyboard = next(m for m in reversed(em.messages_to(chat.id)) if "reply_markup" in m)
        choice = "forget:yes" if confirm else "forget:no"
        played.queries.append(em.press_button(person, chat, keyboard["message_id"], choice))
        await settle(bot)
        em.send_message(person, chat, "/mydata")
        await settle(bot)

    # Closing; then answers, private answers, an edit and a press (a client still showing the
    # buttons) arrive: none may count.
    em.send_message(org, desk, "/close 1")
    await settle(bot)
    em.send_message(org, bihai, "/close 2")
    em.send_message(org, huizhan, "/close 3")
    em.send_message(org, desk, "/close 4")
    await settle(bot)
    for i, person in enumerate(people[6:14] + people[15:22]):
        chat = group_of(person)
        reply_to = posts[chat.id] if i % 2 else None
        em.send_message(person, chat, f"关门以后才说：{FIRST[i % 15]}", reply_to=reply_to)
    for person in private:
        em.send_message(person, em.private_chat(person), "关门以后私下说")
    em.edit_message(people[2], bihai, first[people[2].id], "关门后修改")
    played.queries.append(em.press_button(people[29], huizhan, rating, "rate:3:1", forged=True))
    await settle(bot)
    for round_id in (1, 2, 3, 4):
        em.send_message(org, desk, f"/report {round_id}")
        await settle(bot)
    em.webhook_duplicates = 0
    played.names = {bihai.id: "碧海", huizhan.id: "会展城", desk.id: "organiser"}
    played.names.update({person.id: f"居民{i}" for i, person in enumerate(people)})
    played.polls = [poll_id, anonymous_id]
    return played


def told(em: BotAPIEmulator, played: Played) -> dict[str, Any]:
    """What the bot said, chat by chat, each chat's texts sorted; and its answers to presses."""
    said: dict[str, list[str]] = collections.defaultdict(list)
    at: dict[str, list[tuple[str, float]]] = collections.defaultdict(list)
    for call in em.calls:
        if call.method in QUIET:
            continue
        chat = call.params.get("chat_id")
        who = played.names.get(int(chat), str(chat)) if chat not in (None, "") else "-"
        text = TIMES.sub("<time>", str(call.params.get("text", call.params.get("question", ""))))
        text = START_LINK.sub(lambda m: m[1] + played.communities[int(m[2])], text)
        said[who].append(f"{call.method} ok={call.ok} {text}")
        at[who].append((said[who][-1], call.time))
    presses = [
        (
            em.callback_queries[q]["data"],
            json.dumps(em.callback_answer(q), ensure_ascii=False, sort_keys=True),
        )
        for q in played.queries
    ]
    return {
        "said": {chat: sorted(texts) for chat, texts in said.items()},
        "presses": presses,
        "said at": dict(at),
    }


def sqlite_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the SQLite file at `url`."""
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.row_factory = sqlite3.Row
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: [dict(r) for r in con.execute(f"SELECT * FROM {t}")] for t in tables}


async def postgres_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the PostgreSQL schema of `url` (`?schema=NAME`)."""
    server, schema = split_schema(url)
    con = await asyncpg.connect(server)
    try:
        tables = await con.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        return {
            t["table_name"]: [
                dict(r) for r in await con.fetch(f'SELECT * FROM "{schema}"."{t["table_name"]}"')
            ]
            for t in tables
        }
    finally:
        await con.close()


async def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the database at `url`."""
    return sqlite_rows(url) if url.startswith("sqlite:") else await postgres_rows(url)


def summed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tally rows with their counters summed over the rest of their key, zero sums left out."""
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = {k: v for k, v in row.items() if k not in COUNTERS}
        total = sums.setdefault(
            json.dumps(key, sort_keys=True), {**key, **dict.fromkeys(row.keys() & COUNTERS, 0)}
        )
        for k in row.keys() & COUNTERS:
            total[k] += row[k]
    return [t for t in sums.values() if any(t[k] for k in t.keys() & COUNTERS)]


def stored(rows: dict[str, list[dict[str, Any]]], played: Played) -> dict[str, list[str]]:
    """Every table's rows without ids, times and bookkeeping, sorted, communities by name and
    tallies summed; answers with themes."""
    polls = {poll: f"<poll {n}>" for n, poll in enumerate(played.polls)}

    def masked(row: dict[str, Any]) -> dict[str, Any]:
        kept = {k: polls.get(v, v) for k, v in row.items() if not VOLATILE.match(k)}
        if kept.get("community_id"):  # 0: a tally over all communities
            kept["community_id"] = played.communities[kept["community_id"]]
        return kept

    out: dict[str, list[str]] = {}
    for table in sorted(rows.keys() - BOOKKEEPING):
        kept = [masked(row) for row in rows[table]]
        out[table] = sorted(
            json.dumps(row, ensure_ascii=False, sort_keys=True, default=repr)
            for row in (summed(kept) if table.startswith("tally_") else kept)
        )
    # Themes joined here, not in SQL: the two databases write a score as text differently.
    themes: dict[int, list[str]] = collections.defaultdict(list)
    for tag in sorted(rows["answer_themes"], key=lambda t: (t["answer_id"], t["theme_id"])):
        themes[tag["answer_id"]].append(f"{tag['theme_id']}:{tag['score']!r}")
    out["answers with themes"] = sorted(
        json.dumps(
            {
                **{k: a[k] for k in ("round_id", "resident", "via", "text", "hidden")},
                "themes": ",".join(themes[a["id"]]) or None,
            },
            ensure_ascii=False,
        )
        for a in rows["answers"]
    )
    return out


async def run_scenario(mode: str, tmp: Path) -> dict[str, Any]:
    """Play the scenario in `mode` ("polling" or "webhook" on SQLite; "postgresql": webhook
    applications behind a load balancer) on a fresh emulator and database; what it left."""
    tmp.mkdir()
    with contextlib.ExitStack() as schema:
        if mode == "postgresql":
            url = schema.enter_context(postgres_schema_url())
        else:
            url = f"sqlite:///{tmp / 'minyi.db'}"
        async with BotAPIEmulator() as em:
            deploying = balanced(em, tmp, url) if mode == "postgresql" else running(mode, em, tmp)
            async with deploying as deployment:
                assert deployment.url == url
                played = await play(deployment, duplicates=mode != "polling")
                final_report = await cli_report(deployment)
            if mode != "polling":
                delivered = [d["update_id"] for d in em.webhook_deliveries]
                # The webhook really was POSTed to, with updates POSTed again.
                assert len(delivered) > len(set(delivered)) + EXTRA_DELIVERIES / 2
            if deployment.balancer is not None:
                # Every application took a good share of the POSTs.
                forwarded = deployment.balancer.forwarded
                assert len(forwarded) == PROCESSES, forwarded
                assert min(forwarded.values()) > len(delivered) // (2 * PROCESSES), forwarded
            rows = await table_rows(url)
            played.communities = {c["id"]: c["name"] for c in rows["communities"]}
            return {
                "report while open": played.open_report,
                "report at the end": final_report,
                **told(em, played),
                **{f"table {k}": v for k, v in stored(rows, played).items()},
            }


def difference(polled: Any, hooked: Any) -> Any:
    """What one run has that the other has not (for lists), or both values."""
    if isinstance(polled, list) and isinstance(hooked, list):
        left, right = collections.Counter(map(str, polled)), collections.Counter(map(str, hooked))
        return {
            "only polling": list((left - right).elements()),
            "only webhook": list((right - left).elements()),
        }
    if isinstance(polled, dict) and isinstance(hooked, dict):
        return {
            k: difference(polled.get(k), hooked.get(k))
            for k in sorted(polled.keys() | hooked.keys())
            if polled.get(k) != hooked.get(k)
        }
    return {"polling": polled, "webhook": hooked}


def assert_scenario_happened(polled: dict[str, Any]) -> None:
    """The scenario did what it says (so that equal is not trivially equal)."""
    rounds = {r["id"]: r for r in polled["report at the end"]["rounds"]}
    assert [rounds[i]["state"] for i in (1, 2, 3, 4)] == ["closed"] * 4
    texts = [json.loads(a)["text"] for a in polled["table answers with themes"]]
    # 30 first answers, 20 second ones, 3 private, 6 in the burst; less 居民5's two (forgotten).
    assert len(texts) == 30 + 20 + 3 + 6 - 2
    assert not any("关门" in t or t.startswith("很长") for t in texts)
    assert sum(t.startswith(("改一下", "我改主意了", "改：")) for t in texts) == 6
    assert "电话 [电话] 有事可以联系我（5）" not in texts  # 居民5 forgot it
    assert rounds[4]["poll"]["voters"] == 15
    assert any("这轮评分已经结束" in answer for _, answer in polled["presses"])


def differences(polled: dict[str, Any], hooked: dict[str, Any]) -> dict[str, Any]:
    """Everything the two runs left behind differently, key by key."""
    return {
        key: difference(polled.get(key), hooked.get(key))
        for key in sorted(polled.keys() | hooked.keys())
        if polled.get(key) != hooked.get(key)
    }


async def test_webhook_stores_and_says_what_polling_does(tmp_path: Path) -> None:
    """The same consultation, polled and through a concurrent, repeating webhook: the same
    answers, themes, votes, rounds, reports and messages to every chat."""
    polled = await run_scenario("polling", tmp_path / "polling")
    hooked = await run_scenario("webhook", tmp_path / "webhook")
    assert_scenario_happened(polled)
    for run in (polled, hooked):
        del run["said at"]
    found = differences(polled, hooked)
    assert not found, found


def set_refusals_apart(result: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """Take the refusals out of what each chat was told; them, chat by chat, each with the
    minute of the clock it was sent in (the cap counts per chat and minute)."""
    apart: dict[str, list[tuple[str, int]]] = {}
    for chat, lines in result["said"].items():
        refusals = {line for line in lines if REFUSAL.fullmatch(line.split(" ", 2)[2])}
        apart[chat] = [
            (line, int(time // 60)) for line, time in result["said at"][chat] if line in refusals
        ]
        result["said"][chat] = [line for line in lines if line not in refusals]
    return apart


def set_quotes_apart(result: dict[str, Any]) -> dict[str, list[str]]:
    """Take the quotes' texts out of the reports (JSON and text), leaving their themes; the
    texts, report by report."""
    texts: dict[str, list[str]] = {}
    for key in ("report while open", "report at the end"):
        rounds = result[key]["rounds"]
        texts[key] = [q.pop("text") for r in rounds for q in r.get("quotes") or []]
    for chat, lines in result["said"].items():
        result["said"][chat] = sorted(QUOTED.sub("「<quote>」— ", line) for line in lines)
    return texts


async def test_balanced_webhooks_on_postgresql_store_and_say_what_polling_does(
    tmp_path: Path,
) -> None:
    """The same consultation, polled on SQLite and through a concurrent, repeating webhook
    spread over two applications sharing one PostgreSQL schema: the same answers, themes,
    votes, rounds, reports and messages to every chat; as many refusals per chat as one
    process sends (the cap per chat and minute is shared through the database: with it kept
    in each process's memory, a group was told "round not open" once more per process);
    quotes of the same themes (of equal answers, the first stored is quoted)."""
    polled = await run_scenario("polling", tmp_path / "polling")
    balanced = await run_scenario("postgresql", tmp_path / "postgresql")
    assert_scenario_happened(polled)
    # Quotes of the balanced run are answers it stored, of the themes the polled run quotes.
    set_quotes_apart(polled)
    # As a report shows them: cut, and the 号楼 of the answers masked (bot/core/reports.py).
    shown = [show_quote(json.loads(a)["text"]) for a in balanced["table answers with themes"]]
    for quote in set_quotes_apart(balanced)["report at the end"]:
        assert quote in shown, quote
    refused, refused_balanced = set_refusals_apart(polled), set_refusals_apart(balanced)
    assert refused["碧海"] and refused["会展城"], "late replies to the round's post are refused"
    for chat in refused.keys() | refused_balanced.keys():
        one, many = refused.get(chat, []), refused_balanced.get(chat, [])
        # The two processes together keep to the cap in every minute.
        per_minute = collections.Counter(minute for _, minute in many)
        assert max(per_minute.values(), default=0) <= REFUSALS_PER_MINUTE, (chat, many)
        if len({m for _, m in one}) <= 1 and len(per_minute) <= 1:
            # Both runs refused within one minute of the clock (a quiet machine): the same
            # refusals. On a busy machine a run can straddle minutes, and each minute then
            # has its own cap.
            assert sorted(t for t, _ in one) == sorted(t for t, _ in many), (chat, one, many)
    for run in (polled, balanced):
        del run["said at"]
    found = differences(polled, balanced)
    assert not found, found
