"""Re-tag stored answers after the taxonomy or the learned model changed (`minyi retag`).

The database keeps a snapshot of the taxonomy and model the stored tags were made with. If
only keywords changed, only answers containing a changed keyword are re-tagged (nlp.impact);
otherwise, or without a snapshot, every answer is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

from pydantic import BaseModel, ConfigDict

from bot.core.answers import to_records
from bot.core.base import Core
from bot.core.models import ProgressSink, TagRecord
from nlp.impact import KeywordScreen, changed_keywords
from nlp.taxonomy import Taxonomy

log = logging.getLogger(__name__)

SNAPSHOT = "taxonomy-snapshot"
PAGE = 2000

Signature = list[tuple[str, float, tuple[str, ...], tuple[str, ...]]]


class RetagResult(BaseModel):
    """How many answers were looked at, re-tagged and changed, and whether it was partial."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seen: int
    retagged: int
    changed: int
    incremental: bool


def _model_digest(core: Core) -> str:
    """A digest of every model tagging uses: the deployment's own, the principle model (the
    shipped one, or one learned from organisers' labels) and the domain model learned from
    their labels. Keyword screening (nlp.impact) knows nothing of models, so any change here
    makes the next retag a full one."""
    digest = hashlib.sha256()
    tagger = core.tagger
    for model in (tagger.model, tagger.principle_model):
        digest.update(b"-" if model is None else hashlib.sha256(model.to_bytes()).digest())
    if tagger.domain_model is not None:  # (none: the digest of a deployment before them)
        digest.update(b"domains" + hashlib.sha256(tagger.domain_model.to_bytes()).digest())
    return digest.hexdigest()


def _snapshot(core: Core) -> bytes:
    return json.dumps(
        {"taxonomy": core.tagger.taxonomy.model_dump(mode="json"), "model": _model_digest(core)},
        ensure_ascii=False,
    ).encode()


async def save_snapshot(core: Core) -> None:
    """Record that stored tags now match the current taxonomy and model."""
    async with core.repo.transaction() as session:
        await session.set_model(SNAPSHOT, _snapshot(core), core.now())


async def ensure_snapshot(core: Core) -> None:
    """On a new deployment (no answers yet), record the taxonomy tags are made with; on one
    whose stored tags were made with another taxonomy or model (an upgrade that ships new
    ones, a new taxonomy file, models learned since), log that they stay until a retag."""
    if not await record_snapshot_if_new(core):
        await warn_if_retag_due(core)


async def record_snapshot_if_new(core: Core) -> bool:
    """Record the snapshot on a deployment with no answers yet (True), else change nothing.

    A bot process awaits this before it takes updates, so the first answers are stored with
    the snapshot in place; the comparison on an existing deployment (`warn_if_retag_due`) can
    then run beside the start."""
    async with core.repo.transaction() as session:
        if await session.get_model(SNAPSHOT) is not None:
            return False
        if await session.list_answers(limit=1, include_hidden=True):
            return False
        # Digesting the models serialises them (tens of ms): in a thread, off the event loop.
        await session.set_model(SNAPSHOT, await asyncio.to_thread(_snapshot, core), core.now())
        return True


async def warn_if_retag_due(core: Core) -> None:
    """Log that stored tags stay as they were until `minyi retag` when they were made with
    another taxonomy or model than the one in use (or with one unknown: no snapshot)."""
    async with core.repo.transaction() as session:
        stored = await session.get_model(SNAPSHOT)
    # Serialising the models to digest them takes tens of ms; compression and hashing let go
    # of the interpreter, so in a thread this runs on the other core beside the start.
    current = await asyncio.to_thread(_snapshot, core)
    if stored is None or json.loads(stored) != json.loads(current):
        log.warning(
            "stored answers were tagged with another taxonomy or model than the one in use "
            "(after an upgrade, a new taxonomy or learning): their themes stay as they were, "
            "and reports count them so, until `minyi retag`"
        )


async def _screen(core: Core) -> KeywordScreen | None:
    async with core.repo.transaction() as session:
        blob = await session.get_model(SNAPSHOT)
    if blob is None:
        return None
    old = json.loads(blob)
    if old.get("model") != _model_digest(core):
        return None
    changed = changed_keywords(Taxonomy.model_validate(old["taxonomy"]), core.tagger.taxonomy)
    return None if changed is None else KeywordScreen(changed)


def _signature(themes: Signature) -> Signature:
    return sorted((i, round(s, 6), tuple(sorted(e)), tuple(w)) for i, s, e, w in themes)


async def retag_answers(
    core: Core, *, full: bool = False, progress: ProgressSink | None = None
) -> RetagResult:
    """Tag stored answers again (only those a keyword change can affect, unless `full`);
    `progress` counts the stored answers looked at."""
    screen = None if full else await _screen(core)
    seen = retagged = changed = 0
    after = 0
    if progress is not None:
        async with core.repo.transaction() as session:
            progress.set_total(await session.count_stored_answers())
    while True:
        async with core.repo.transaction() as session:
            page = await session.list_answer_texts_page(after, PAGE)
        if not page:
            break
        after = page[-1][0]
        seen += len(page)
        chosen = [(i, t) for i, t in page if screen is None or screen.may_affect(t)]
        retagged += len(chosen)
        async with core.repo.transaction() as session:
            stored = await session.get_answer_themes([i for i, _ in chosen])
        pending: list[tuple[int, list[TagRecord]]] = []
        for answer_id, text in chosen:
            records = to_records(core.tagger.tag(text))
            old = _signature(
                [
                    (t.theme_id, t.score, tuple(t.evidence), tuple(t.learned))
                    for t in stored[answer_id]
                ]
            )
            new = _signature(
                [(t.theme_id, t.score, tuple(t.evidence), tuple(t.learned)) for t in records]
            )
            if new != old:
                pending.append((answer_id, records))
        changed += await _store(core, pending)
        if progress is not None:
            progress.advance(len(page))
    await save_snapshot(core)
    return RetagResult(
        seen=seen, retagged=retagged, changed=changed, incremental=screen is not None
    )


async def _store(core: Core, pending: list[tuple[int, list[TagRecord]]]) -> int:
    if not pending:
        return 0
    async with core.repo.transaction() as session:
        for answer_id, records in pending:
            await session.set_answer_themes(answer_id, records)
    return len(pending)
