"""`minyi retag` after one keyword is added, against re-tagging every stored answer.

    python -m bench.bench_retag [--smoke] [--size N]

Seeds a fresh SQLite database with N tagged answers (default 100,000), adds one keyword to a
copy of the taxonomy, then times the incremental retag and a full retag in the same run.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from bench.corpus import answer_texts
from bot.config import settings_from_dict
from bot.core.answers import to_records
from bot.core.base import Core, open_core
from bot.core.models import NewAnswer
from bot.core.privacy import text_digest
from bot.core.retag import ensure_snapshot, retag_answers

NEW_KEYWORD = "快递柜"


async def _core(folder: Path, taxonomy: Path | None) -> Core:
    data: dict[str, object] = {"storage": {"url": f"sqlite:///{folder / 'bench.db'}"}}
    if taxonomy is not None:
        data["nlp"] = {"taxonomy": str(taxonomy)}
    return await open_core(settings_from_dict(data, environ={}), secret=b"bench")


async def seed(core: Core, texts: Sequence[str]) -> None:
    """Store every text as a tagged answer of one round."""
    now = datetime.now(UTC)
    async with core.repo.transaction() as session:
        community, _ = await session.set_community(-1, "碧海社区", now)
        round_ = await session.add_round(
            kind="text",
            state="closed",
            question="bench",
            community_ids=[community.id],
            opens_at=now,
            closes_at=now + timedelta(hours=1),
            reminder_at=None,
            created_by="bench",
            at=now,
        )
    for start in range(0, len(texts), 5000):
        async with core.repo.transaction() as session:
            for i, text in enumerate(texts[start : start + 5000], start):
                await session.add_answer(
                    NewAnswer(
                        round_id=round_.id,
                        community_id=community.id,
                        resident=f"r{i % 5000}",
                        source=f"bench:{i}",
                        via="reply",
                        text=text,
                        text_hash=text_digest(text),
                        at=now,
                        themes=to_records(core.tagger.tag(text)),
                    )
                )


def taxonomy_with(folder: Path, keyword: str) -> Path:
    """A copy of the built-in taxonomy with one keyword added to the parking theme."""
    text = resources.files("nlp").joinpath("data/taxonomy.toml").read_text(encoding="utf-8")
    head, tail = text.split('id = "parking"', 1)
    cut = tail.index("keywords = [") + len("keywords = [")
    path = folder / "taxonomy.toml"
    path.write_text(f'{head}id = "parking"{tail[:cut]}\n  "{keyword}",{tail[cut:]}', "utf-8")
    return path


async def run(size: int) -> None:
    """Seed, then time incremental and full retag; print the figures."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        texts = answer_texts(size)
        # Make the new keyword appear in about 1% of answers, as a new local word would.
        texts = [t + f"，{NEW_KEYWORD}不够用" if i % 100 == 0 else t for i, t in enumerate(texts)]
        core = await _core(folder, None)
        started = time.perf_counter()
        await ensure_snapshot(core)
        await seed(core, texts)
        print(f"seeded {size:,} tagged answers in {time.perf_counter() - started:.1f} s")
        await core.repo.close()

        core = await _core(folder, taxonomy_with(folder, NEW_KEYWORD))
        try:
            started = time.perf_counter()
            partial = await retag_answers(core)
            t_partial = time.perf_counter() - started
            started = time.perf_counter()
            full = await retag_answers(core, full=True)
            t_full = time.perf_counter() - started
        finally:
            await core.repo.close()
        print(
            f"retag after adding one keyword: {t_partial:.2f} s "
            f"(re-tagged {partial.retagged:,} of {partial.seen:,}, {partial.changed:,} changed)"
        )
        print(f"re-tag everything:              {t_full:.2f} s (re-tagged {full.retagged:,})")
        print(f"speed-up: {t_full / t_partial:.1f}x")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description="incremental vs full retag")
    parser.add_argument("--smoke", action="store_true", help="small size for CI")
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args(argv)
    asyncio.run(run(1_000 if args.smoke else args.size))


if __name__ == "__main__":
    main()
