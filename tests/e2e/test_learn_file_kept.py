"""What `minyi learn --labelled` learned from a `text,labels` file outlives the next round of
learning from organisers' `/label` labels, and a restart (SPEC §6: "later tagging in this
deployment uses it").

It once did not: learning from `/label` trained the principle and domain models again from
their base answers and the stored labels only, so the first batch of `nlp.learn_every` labels
after `minyi learn` silently threw away everything the file had taught.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import settings_from_dict
from bot.core.base import open_core
from bot.core.labelling import file_examples
from sandbox.emulator import BotAPIEmulator
from tests.bot.test_cli import minyi
from tests.e2e.test_privacy import open_post
from tests.harness import SECRET, start_bot
from tests.labelling_helpers import label_answers
from tests.seeding import seed_text_round

# Written for this test: residents' complaints about one thing no keyword of the taxonomy
# names (an old man singing on the lawn), which the operator's file says is accountability.
TAUGHT = [
    "楼下的大爷天天在草坪上唱歌",
    "大爷天天在草坪唱歌吵得睡不着",
    "草坪上有人唱歌，从早唱到晚",
    "唱歌的大爷占了整块草坪",
    "大爷唱歌声音太大，天天在草坪",
    "草坪唱歌一唱就是一上午",
]
PROBE = "那个大爷又在草坪上唱歌了"
ANSWER = "希望物业公开账目，让居民参与讨论。"


def _principles(tags: object) -> set[str]:
    return {t.id for t in tags if t.kind == "principle"}  # type: ignore[attr-defined]


async def test_a_learned_file_outlives_label_learning_and_a_restart(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "minyi.db"}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    labelled = tmp_path / "labels.csv"
    labelled.write_text(
        "text,labels\n" + "".join(f"{t},accountability\n" for t in TAUGHT), encoding="utf-8"
    )
    done = minyi(config, "learn", "--labelled", str(labelled))
    assert done.returncode == 0, done.stderr

    nlp = {"learn_every": 1}
    async with start_bot(emulator, tmp_path, nlp=nlp) as bot:
        assert "accountability" in _principles(bot.core.tagger.tag(PROBE)), "the file taught it"
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 48h 小区有什么问题？")
        post = open_post(bot, group, "社区征询 #1")["message_id"]
        emulator.send_message(emulator.add_user("居民"), group, ANSWER, reply_to=post)
        await bot.settle()
        # One label (nlp.learn_every = 1): the models learn again, in the background.
        await label_answers(bot, 1, {ANSWER: ["participation", "transparency"]}, {"x"})
        assert bot.core.learning is not None
        await asyncio.wait_for(asyncio.shield(bot.core.learning), 300)
        after_label = _principles(bot.core.tagger.tag(PROBE))
    assert "accountability" in after_label, "learning from /label forgot the file"

    async with start_bot(emulator, tmp_path) as bot:
        assert "accountability" in _principles(bot.core.tagger.tag(PROBE))


async def test_a_file_row_that_is_a_stored_answer_is_not_kept_apart(tmp_path: Path) -> None:
    """A row whose text is a stored answer's (a `minyi export --labels` file read back) is not
    kept as a copy of its own: it would outlive that answer's /forget."""
    settings = settings_from_dict({"storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"}}, {})
    core = await open_core(settings, secret=b"k")
    try:
        await seed_text_round(core, [ANSWER])
    finally:
        await core.repo.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    labelled = tmp_path / "labels.csv"
    labelled.write_text(
        f"text,labels\n{ANSWER},participation\n{TAUGHT[0]},accountability\n", encoding="utf-8"
    )
    done = minyi(config, "learn", "--labelled", str(labelled))
    assert done.returncode == 0, done.stderr
    core = await open_core(settings, secret=b"k")
    try:
        async with core.repo.transaction() as session:
            kept = await file_examples(session)
    finally:
        await core.repo.close()
    assert kept == [(TAUGHT[0], ["accountability"])]
