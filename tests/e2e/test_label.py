"""`/label` end to end through the emulator: an organiser labels the answers the tagger is least
sure of, the principle model learns from them in the background, `minyi retag` applies it, and
tagging of the residents' other answers gets measurably better (issue 15)."""

from __future__ import annotations

import asyncio
import csv
import random
from pathlib import Path

from bot.core.retag import retag_answers
from nlp.build_model import ANSWERS_CSV, read_answers
from nlp.metrics import evaluate_sets
from nlp.taxonomy import load_taxonomy
from sandbox.emulator import BotAPIEmulator
from tests.harness import RunningBot, start_bot
from tests.labelling_helpers import label_answers

BASE, RESIDENTS, LABELS = 200, 200, 40


def _split() -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """From the train part of the shipped answers (the blind fifth stays untouched): the
    deployment's own base answers, and the residents' answers, disjoint."""
    taxonomy = load_taxonomy()
    rows = [(t, ls) for t, ls, split in read_answers(ANSWERS_CSV, taxonomy) if split == "train"]
    random.Random(7).shuffle(rows)
    return rows[:BASE], rows[BASE : BASE + RESIDENTS]


def _write_base(path: Path, rows: list[tuple[str, list[str]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "labels", "split"])
        for text, labels in rows:
            writer.writerow([text, ";".join(labels) or "none", "train"])


async def _stored_principles(bot: RunningBot, principles: set[str]) -> dict[str, set[str]]:
    async with bot.core.repo.transaction() as session:
        answers = await session.list_answers()
    return {a.text: {t.theme_id for t in a.themes if t.theme_id in principles} for a in answers}


async def test_forty_labels_raise_f1_on_the_other_answers(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """40 answers labelled through /label's buttons make the learned principle model tag the
    residents' other answers with a higher macro-F1 than before (figures printed)."""
    base, residents = _split()
    base_csv = tmp_path / "base.csv"
    _write_base(base_csv, base)
    gold = dict(residents)
    taxonomy = load_taxonomy()
    principles = [t.id for t in taxonomy.by_kind("principle")]
    settings = {"principle_answers": str(base_csv), "learn_every": LABELS}
    async with start_bot(emulator, tmp_path, nlp=settings) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 48h 你心目中的好治理是什么样的？")
        post = next(
            m["message_id"] for m in emulator.messages_to(group.id) if "好治理" in m.get("text", "")
        )
        for i, (text, _) in enumerate(residents):
            emulator.send_message(emulator.add_user(f"居民{i}"), group, text, reply_to=post)
        await bot.settle(120)
        before = await _stored_principles(bot, set(principles))
        assert set(before) == set(gold)

        # The organiser keeps the suggested domains and sets the principles to the truth.
        labelled = await label_answers(bot, LABELS, gold, principles)
        assert bot.core.learning is not None, "learning should start after nlp.learn_every labels"
        await asyncio.wait_for(asyncio.shield(bot.core.learning), 300)
        private = emulator.private_chat(bot.organiser)
        assert any("后台重新学习" in t for t in bot.bot_texts(private))

        result = await retag_answers(bot.core)
        assert not result.incremental  # a new model re-tags everything
        after = await _stored_principles(bot, set(principles))
        async with bot.core.repo.transaction() as session:
            assert await session.count_labels() == LABELS

    rest = [t for t in gold if t not in labelled]
    truth = [set(gold[t]) for t in rest]
    f1_before = evaluate_sets(truth, [before[t] for t in rest], principles).macro_f1
    f1_after = evaluate_sets(truth, [after[t] for t in rest], principles).macro_f1
    print(f"/label: principle macro-F1 on {len(rest)} other answers", end=" ")
    print(f"{f1_before:.3f} -> {f1_after:.3f}")
    assert f1_after > f1_before
