"""Learned models never outlive the texts they learned from (SPEC §9: /forget deletes, and
retention deletes old answers), end to end through the emulator.

An organiser labels answers through /label, the principle and first-level domain models learn
from them; one resident's answers carry a made-up name (赵小蕙蕙) only they wrote, so the models'
features (words, word pairs, character pieces) hold it. Once their answers go (/forget, or the
retention purge), the scheduler's next tick has the models learned again from the labels that
remain; with nothing left, the learned models go and the shipped principle model tags again.
A deletion that touched no labelled answer relearns nothing. Ticks are driven by the test (the
app's own tick runs once an hour here), never waited for on the wall clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.base import DOMAIN_MODEL_NAME, PRINCIPLE_MODEL_NAME, Core, utcnow
from bot.core.labelling import RELEARN_BACKOFF, label_choices
from bot.core.residents import my_data
from bot.scheduler import Scheduler
from nlp.model import LearnedModel, default_principle_model
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.e2e.test_privacy import open_post, press_forget
from tests.harness import RunningBot, start_bot
from tests.labelling_helpers import label_answers

NAME = "赵小蕙蕙"
MARK = "蕙"  # a character no shipped example and no other answer holds

# The made-up name's resident: two answers, so its features pass the vocabulary's min_df.
THEIRS = {
    f"{NAME}家楼下的路灯坏了三个月，希望街道尽快修好并公开维修进度。": [
        "transparency",
        "urban_rural_construction",
    ],
    f"我是{NAME}，社区健身器材生锈了，建议请居民一起商量怎么换。": [
        "participation",
        "education_culture_sports",
    ],
}
# Everyone else's: twelve answers naming a first-level domain, enough for a domain model.
OTHERS = {
    "小区门口的公交站太远了，老人走过去要二十分钟。": ["inclusiveness", "transport"],
    "垃圾桶总是满出来，夏天味道很大，希望增加清运次数。": ["responsiveness", "environment"],
    "社区医院看病排队太久，能不能网上预约挂号。": ["efficiency", "health_family_planning"],
    "希望社区办一些针对老人的智能手机培训班。": ["inclusiveness", "education_culture_sports"],
    "菜市场搬走以后买菜很不方便，附近只有一家超市。": ["equity", "commerce_tourism"],
    "物业费涨了却没有说明理由，应该公布账目。": ["transparency", "urban_rural_construction"],
    "楼道里堆满杂物，消防通道被堵，没人管。": ["accountability", "urban_rural_construction"],
    "希望开通一条到地铁站的社区巴士。": ["responsiveness", "transport"],
    "河边的绿化带被占用来停车，破坏了环境。": ["rule_of_law", "environment"],
    "失业人员的再就业培训信息很难找到。": ["transparency", "labour_social_security"],
    "孩子放学后没地方去，希望社区开放活动室。": ["participation", "education_culture_sports"],
    "工地晚上十一点还在施工，噪音吵得睡不着。": ["accountability", "environment"],
}
LABELS = len(THEIRS) + len(OTHERS)


def _knows(model: LearnedModel | None) -> bool:
    """Whether a learned model has any feature made of the made-up name."""
    return model is not None and any(MARK in feature for feature in model.vocabulary)


async def _stored(core: Core, name: str) -> LearnedModel | None:
    async with core.repo.transaction() as session:
        blob = await session.get_model(name)
    return None if blob is None else LearnedModel.from_bytes(blob)


def _scheduler(core: Core) -> Scheduler:
    """The scheduler's tick as the app runs it, driven by the test (posts and digests are
    another test's business)."""

    async def nothing() -> None:
        return None

    return Scheduler(core, send_posts=nothing, send_digest=nothing)


async def _tick_and_learn(core: Core, scheduler: Scheduler) -> bool:
    """One tick, then wait for the learning it started, if any; whether it started one."""
    before = core.learning
    await scheduler.tick()
    started = core.learning is not before
    if started:
        assert core.learning is not None
        await asyncio.wait_for(asyncio.shield(core.learning), 300)
    return started


@pytest.fixture
def hour_ticks() -> Iterator[dict[str, float]]:
    """The app's own tick once an hour: the test drives the ticks that matter."""
    yield {"tick_seconds": 3600}


async def _consultation(bot: RunningBot) -> tuple[SimChat, int]:
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 60d 你觉得我们社区最需要解决的问题是什么？")
    return group, open_post(bot, group, "最需要")["message_id"]


async def _answer(
    bot: RunningBot, group: SimChat, post: int, texts: dict[str, list[str]], who: SimUser | None
) -> None:
    for i, text in enumerate(texts):
        person = who or bot.emulator.add_user(f"居民{i}")
        bot.emulator.send_message(person, group, text, reply_to=post)
    await bot.settle()


async def _learn_everything(bot: RunningBot) -> None:
    """The organiser labels every answer through /label's buttons; learning starts at the last
    label and the models it stores know the made-up name."""
    truth = {**THEIRS, **OTHERS}
    # Every theme set as `truth` says, none kept from the tagger's suggestion.
    chosen = await label_answers(bot, LABELS, truth, label_choices(bot.core.tagger.taxonomy))
    assert chosen == set(truth)
    assert bot.core.learning is not None
    await asyncio.wait_for(asyncio.shield(bot.core.learning), 300)
    for name in (PRINCIPLE_MODEL_NAME, DOMAIN_MODEL_NAME):
        assert _knows(await _stored(bot.core, name)), name
    assert _knows(bot.core.tagger.principle_model)
    assert _knows(bot.core.tagger.domain_model)


async def _assert_relearned_without_the_name(core: Core) -> None:
    principles = await _stored(core, PRINCIPLE_MODEL_NAME)
    domains = await _stored(core, DOMAIN_MODEL_NAME)
    assert principles is not None and domains is not None
    assert not _knows(principles) and not _knows(domains)
    # The running tagger tags with exactly the relearned models.
    current = core.tagger
    assert current.domain_model is not None and current.principle_model is not None
    assert current.principle_model.to_bytes() == principles.to_bytes()
    assert current.domain_model.to_bytes() == domains.to_bytes()


async def test_forget_relearns_the_models_without_the_residents_texts(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    hour_ticks: dict[str, float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """/forget of a resident whose answers were labelled: the next tick relearns both models
    from the other labels; a /forget touching no labelled answer relearns nothing; a failed
    relearning is logged and retried once its back-off has passed."""
    async with start_bot(
        emulator, tmp_path, nlp={"learn_every": LABELS}, schedule=hour_ticks
    ) as bot:
        group, post = await _consultation(bot)
        zhao = emulator.add_user("赵")
        await _answer(bot, group, post, THEIRS, zhao)
        await _answer(bot, group, post, OTHERS, None)
        await _learn_everything(bot)
        scheduler = _scheduler(bot.core)
        assert not await _tick_and_learn(bot.core, scheduler)  # nothing was deleted

        # A resident whose answer nobody labelled forgets: the models stay as they are.
        late = emulator.add_user("晚到的居民")
        await _answer(bot, group, post, {f"{NAME}的邻居说电梯经常坏。": []}, late)
        before = await _stored(bot.core, PRINCIPLE_MODEL_NAME)
        assert before is not None
        await press_forget(bot, late, confirm=True)
        assert (await my_data(bot.core, late.id)).answers == []
        assert not await _tick_and_learn(bot.core, scheduler)
        principles = await _stored(bot.core, PRINCIPLE_MODEL_NAME)
        assert principles is not None and principles.to_bytes() == before.to_bytes()

        # 赵 forgets; the first relearning fails (storing the models is refused), is logged,
        # and the tick after it relearns.
        await press_forget(bot, zhao, confirm=True)
        assert (await my_data(bot.core, zhao.id)).answers == []
        await bot.write_outside(
            "CREATE TRIGGER refuse_models BEFORE UPDATE ON learned_models "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        assert await _tick_and_learn(bot.core, scheduler)
        assert _knows(await _stored(bot.core, PRINCIPLE_MODEL_NAME))
        failed = [r for r in caplog.records if "labels failed" in r.getMessage()]
        # Logged by type and frames (bot/core/privacy.py failure), never by its message.
        assert failed and "IntegrityError" in failed[-1].getMessage()
        assert "learn_from_labels" in failed[-1].getMessage()
        await bot.write_outside("DROP TRIGGER refuse_models")
        # A failed run is not retried at every tick: the next ticks wait out the back-off.
        assert not await _tick_and_learn(bot.core, scheduler)
        assert _knows(await _stored(bot.core, PRINCIPLE_MODEL_NAME))
        moved = utcnow() + RELEARN_BACKOFF + timedelta(seconds=1)
        bot.core.clock = lambda: max(utcnow(), moved)
        assert await _tick_and_learn(bot.core, scheduler)
        await _assert_relearned_without_the_name(bot.core)
        assert bot.core.learning_failures == 0
        # Relearned once: the next tick finds nothing to do.
        assert not await _tick_and_learn(bot.core, scheduler)


async def test_retention_relearns_then_removes_the_models(
    emulator: BotAPIEmulator, tmp_path: Path, hour_ticks: dict[str, float]
) -> None:
    """The retention purge deleting labelled answers has the next tick relearn without them;
    once it deleted every labelled answer, the learned models are removed and the shipped
    principle model (and no domain model) tags again, also after a restart."""
    async with start_bot(
        emulator,
        tmp_path,
        nlp={"learn_every": LABELS},
        privacy={"retention_days": 30},
        schedule=hour_ticks,
    ) as bot:
        group, post = await _consultation(bot)
        # The clock only moves forward, so the app's own tick (once, at its start) never
        # purges anything: the purges that matter are those of the ticks driven here.
        await _answer(bot, group, post, THEIRS, emulator.add_user("赵"))
        bot.core.clock = lambda: utcnow() + timedelta(days=20)
        await _answer(bot, group, post, OTHERS, None)
        await _learn_everything(bot)

        # 35 days on, the purge deletes 赵's answers (older than 30 days), not the others.
        bot.core.clock = lambda: utcnow() + timedelta(days=35)
        scheduler = _scheduler(bot.core)
        assert await _tick_and_learn(bot.core, scheduler)
        async with bot.core.repo.transaction() as session:
            assert await session.count_labels() == len(OTHERS)
        await _assert_relearned_without_the_name(bot.core)

        # A year on, the purge deletes every labelled answer: nothing left to learn from.
        bot.core.clock = lambda: utcnow() + timedelta(days=400)
        assert await _tick_and_learn(bot.core, scheduler)
        async with bot.core.repo.transaction() as session:
            assert await session.count_labels() == 0
        assert await _stored(bot.core, PRINCIPLE_MODEL_NAME) is None
        assert await _stored(bot.core, DOMAIN_MODEL_NAME) is None
        assert bot.core.tagger.principle_model is default_principle_model()
        assert bot.core.tagger.domain_model is None
        assert not await _tick_and_learn(bot.core, scheduler)
