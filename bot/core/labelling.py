"""Organisers teach the tagger (`/label`, SPEC §3 and §4, issue 15).

An organiser is shown the stored answers the tagger is least sure of (uncertainty sampling:
the principle probabilities, and those of the learned domain model, closest to their
thresholds), says which principles and first-level domains each really has, and every
`nlp.learn_every` labels the principle model and a first-level domain model are trained again
in a worker thread (intake never waits for it); so they are, at the scheduler's next tick,
after /forget or retention deleted a labelled answer (`relearn_if_erased`). Only labels that
name a domain teach the domain model (nlp/domain_model.py says why). Labels name answers by id
only; the labeller is a pseudonym.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.core.base import (
    DOMAIN_MODEL_NAME,
    FILE_EXAMPLES_NAME,
    MODEL_NAME,
    PRINCIPLE_MODEL_NAME,
    Core,
    Turn,
    stored_domain_model,
    stored_principle_model,
    unlearned_principles,
)
from bot.core.durations import due_again
from bot.core.errors import OutOfReach
from bot.core.privacy import failure
from bot.core.roles import Caller, require_organiser
from bot.core.settings import Settings
from nlp.domain_model import train_domains
from nlp.model import LearnedModel
from nlp.tagger import MIN_SCORE, Tagger
from nlp.taxonomy import Taxonomy
from storage.repository import Session

log = logging.getLogger(__name__)

# How many of the newest unlabelled answers are scored to find the least certain one: the
# scoring is the tagger's own work (well under a millisecond an answer), so this bounds a press.
CANDIDATES = 300
# How long an answer shown on an organiser's /label card is kept from the other organisers'
# cards (two organisers labelling at once are shown different answers); a card left open
# longer may be shown to another too, whose skip still never erases a label given.
LABEL_CLAIM = timedelta(minutes=5)
# The models learned from labels (and so from the labelled answers' texts).
LABEL_MODELS = (PRINCIPLE_MODEL_NAME, DOMAIN_MODEL_NAME)


class Agreement(BaseModel):
    """How often the stored tags agree with what organisers labelled (`/label`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: int  # labelled answers still stored
    agreed: int  # of them, those whose principles and first-level domains match exactly
    share: float


def label_choices(taxonomy: Taxonomy) -> list[str]:
    """The themes an organiser labels with: every principle and every first-level domain (a
    child domain is too fine to choose from a keyboard, and reports show it apart anyway)."""
    principles = [t.id for t in taxonomy.themes if t.kind == "principle"]
    domains = [t.id for t in taxonomy.themes if t.kind == "domain" and t.parent is None]
    return principles + domains


def top_level(taxonomy: Taxonomy, theme_ids: Sequence[str]) -> set[str]:
    """These themes as labels: principles and first-level domains, and a child as its parent
    unless one of the parents it may credit (停车 in an estate: 城乡建设) is among them."""
    given = set(theme_ids)
    out: set[str] = set()
    for theme_id in theme_ids:
        theme = taxonomy.get(theme_id)
        if theme is None:
            continue
        if theme.parent is None:
            out.add(theme.id)
        elif given.isdisjoint(theme.parents()):
            out.add(theme.parent)
    return out


async def label_agreement(session: Session, taxonomy: Taxonomy) -> Agreement | None:
    """Agreement of the stored tags with organisers' labels; None before the first label."""
    labels = await session.list_labels(visible=True)  # a hidden answer counts in no report
    if not labels:
        return None
    stored = await session.get_answer_themes([answer_id for answer_id, _, _ in labels])
    agreed = sum(
        1
        for answer_id, _, themes in labels
        if top_level(taxonomy, [t.theme_id for t in stored.get(answer_id, [])]) == set(themes)
    )
    return Agreement(answers=len(labels), agreed=agreed, share=round(agreed / len(labels), 4))


def uncertainty(tagger: Tagger, text: str) -> float:
    """How unsure the tagger is of a text, higher is less sure: minus the smallest distance of a
    principle's probability to its threshold, or of a first-level domain's once a domain model
    learned from labels (keyword scores to the tagging floor without a principle model)."""
    scores = tagger.scores(text)
    limits: dict[str, float] = {}
    for model in (tagger.principle_model, tagger.domain_model):
        if model is not None and model.thresholds is not None:
            limits.update(model.thresholds)
    if not limits:
        limits = {t.id: MIN_SCORE for t in tagger.taxonomy.themes}
    return -min(abs(scores.get(theme_id, 0.0) - limit) for theme_id, limit in limits.items())


def least_sure(tagger: Tagger, answers: Sequence[tuple[int, str]]) -> tuple[int, str]:
    """The (id, text) the tagger is least sure of; among equals the lowest id (stable)."""
    return min(answers, key=lambda a: (-uncertainty(tagger, a[1]), a[0]))


class LabelItem(BaseModel):
    """An answer offered for labelling, with the themes the tagger gave it (as labels)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answer_id: int
    text: str
    suggested: list[str]


async def next_to_label(
    core: Core, caller: Caller, *, turn: Turn | None = None
) -> LabelItem | None:
    """The stored answer the tagger is least sure of among the newest CANDIDATES visible ones
    nobody labelled or skipped yet, nor is shown on another organiser's card (claimed for
    LABEL_CLAIM, with the turn's update); None when every one was. Configured organisers only
    (a label changes tagging for every community)."""
    require_organiser(caller)
    me, now = core.resident(caller.user_id), core.now()
    async with core.reading(turn) as session:
        fresh = await session.list_unlabelled_answers(CANDIDATES, labeller=me, at=now)
    tagger = core.tagger
    while True:
        if not fresh:
            return None
        # Scoring a few hundred texts takes a moment: off the event loop, so intake goes on.
        answer_id, text = await asyncio.to_thread(least_sure, tagger, fresh)
        async with core.transaction(turn) as session:
            if await session.claim_label(answer_id, me, now, now + LABEL_CLAIM):
                stored = await session.get_answer_themes([answer_id])
                break
        # Claimed by another organiser meanwhile: the next least sure.
        fresh = [a for a in fresh if a[0] != answer_id]
    taxonomy = tagger.taxonomy
    suggested = top_level(taxonomy, [t.theme_id for t in stored[answer_id]])
    return LabelItem(
        answer_id=answer_id,
        text=text,
        suggested=[c for c in label_choices(taxonomy) if c in suggested],
    )


async def record_label(
    core: Core,
    caller: Caller,
    answer_id: int,
    themes: Sequence[str],
    *,
    skipped: bool = False,
    turn: Turn | None = None,
) -> int:
    """Store an organiser's themes for an answer (or that they skipped it); the number of
    answers labelled so far. Themes outside `label_choices` are refused, and so is an answer
    hidden since it was offered (hidden answers are never offered: its card was open)."""
    require_organiser(caller)
    choices = set(label_choices(core.tagger.taxonomy))
    unknown = [t for t in themes if t not in choices]
    if unknown:
        raise OutOfReach("label_unknown_theme", theme=unknown[0])
    async with core.transaction(turn) as session:
        answer = await session.get_answer(answer_id)
        if answer is None:
            raise OutOfReach("hide_not_found", id=answer_id)
        if answer.hidden:
            raise OutOfReach("label_hidden", id=answer_id)
        await session.set_label(
            answer_id, core.resident(caller.user_id), themes, core.now(), skipped=skipped
        )
        return await session.count_labels()


def learning_due(settings: Settings, labelled: int, skipped: bool) -> bool:
    """Whether this label completes a batch of `nlp.learn_every` labels."""
    every = settings.nlp.learn_every
    return not skipped and every > 0 and labelled > 0 and labelled % every == 0


def base_examples(settings: Settings, taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """What the principle model learns from before any label: the shipped answers, or the
    deployment's own labelled answers file (`nlp.principle_answers`), and the bare domain
    words as answers with no principle."""
    from nlp.build_model import neutral_examples, read_answers, training_examples

    path: Path | None = settings.nlp.principle_answers
    if path is None:
        return training_examples(taxonomy)
    rows = read_answers(path, taxonomy)
    return [(text, labels) for text, labels, split in rows if split == "train"] + (
        neutral_examples(taxonomy)
    )


def train_principles(
    base: Sequence[tuple[str, list[str]]],
    labelled: Sequence[tuple[str, list[str]]],
    taxonomy: Taxonomy,
) -> LearnedModel:
    """A principle model from the base examples and organisers' labels (a labelled text that is
    also a base example takes the organiser's word). Pure and slow: run it in a thread."""
    from nlp.learn import train_multilabel  # scikit-learn: only when learning

    principles = [t.id for t in taxonomy.by_kind("principle")]
    wanted = set(principles)
    theirs = {text: [x for x in labels if x in wanted] for text, labels in labelled}
    examples = [(t, ls) for t, ls in base if t not in theirs] + list(theirs.items())
    return train_multilabel(examples, taxonomy, principles)


async def file_examples(session: Session) -> list[tuple[str, list[str]]]:
    """The (text, theme ids) `minyi learn` kept from its `text,labels` files, oldest first."""
    blob = await session.get_model(FILE_EXAMPLES_NAME)
    if blob is None:
        return []
    return [(str(text), [str(t) for t in themes]) for text, themes in json.loads(blob)]


async def keep_file_examples(
    session: Session, examples: Sequence[tuple[str, Sequence[str]]], core: Core
) -> None:
    """Keep these rows of a `text,labels` file for every later learning, beside those kept
    before (a text given again takes its new themes). A row whose text is a stored answer's is
    not kept apart from it: a copy would outlive the answer's /forget or retention; its answer
    keeps teaching through its own /label label."""
    kept = dict(await file_examples(session))
    answered = await session.stored_answer_texts([text for text, _ in examples])
    for text, themes in examples:
        if text not in answered:
            kept.pop(text, None)
            kept[text] = sorted(set(themes))
    data = json.dumps(list(kept.items()), ensure_ascii=False).encode()
    await session.set_model(FILE_EXAMPLES_NAME, data, core.now())


async def learn_from_labels(core: Core) -> int:
    """Train the principle model and the first-level domain model again with every label so
    far and the rows `minyi learn` kept from its files, in a worker thread (intake goes on
    meanwhile), store them, and tag new answers with them from now on; stored answers change
    with `minyi retag`. With neither labels nor kept rows (every labelled answer deleted), the
    learned models are removed and the unlearned principle model tags again. Returns how many
    labels it learned from."""
    async with core.repo.transaction() as session:
        # The erasure count before the labels: a deletion committing between the two reads
        # makes these models look older than they are (learned once more), never newer.
        erasures = await session.count_label_erasures()
        labels = await session.list_labels()
        kept = await file_examples(session)
    taxonomy = core.tagger.taxonomy
    # A text both in a file and labelled takes the organiser's label (the later word).
    labelled = [*kept, *((text, themes) for _, text, themes in labels)]
    if not labelled:
        await drop_learned(core)
        return 0
    base = await asyncio.to_thread(base_examples, core.settings, taxonomy)
    model = await asyncio.to_thread(train_principles, base, labelled, taxonomy)
    domains = await asyncio.to_thread(train_domains, labelled, taxonomy)
    await store_learned(core, model, domains, erasures=erasures)
    log.info("learned from %d organiser labels", len(labels))
    return len(labels)


async def store_learned(
    core: Core, principles: LearnedModel, domains: LearnedModel | None = None, *, erasures: int
) -> None:
    """Keep a learned principle model (and domain model, if any label named a domain) for this
    deployment and tag new answers with them now; `erasures` is the `count_label_erasures`
    read before the labels they learned from. Without a domain model, one learned before stays
    unless it was learned before a later deletion of labelled answers (it may rest on deleted
    texts, and too few labels are left to learn one): then it goes."""
    dropped = False
    async with core.repo.transaction() as session:
        at = core.now()
        await session.set_model(PRINCIPLE_MODEL_NAME, principles.to_bytes(), at, erasures=erasures)
        if domains is not None:
            await session.set_model(DOMAIN_MODEL_NAME, domains.to_bytes(), at, erasures=erasures)
        else:
            dropped = await session.delete_model(DOMAIN_MODEL_NAME, learned_before=erasures)
    current = core.tagger
    kept = None if dropped else current.domain_model
    core.tagger = Tagger(
        current.taxonomy,
        current.model,
        current.segmenter,
        principle_model=principles,
        domain_model=domains if domains is not None else kept,
    )


async def drop_learned(core: Core) -> None:
    """Remove the principle and domain models learned from labels, and tag with the principle
    model of no label (the shipped one, or `nlp.principle_answers`') and no domain model."""
    current = core.tagger
    unlearned = await asyncio.to_thread(unlearned_principles, core.settings, current.taxonomy)
    async with core.repo.transaction() as session:
        dropped = [name for name in LABEL_MODELS if await session.delete_model(name)]
    core.tagger = Tagger(
        current.taxonomy,
        current.model,
        current.segmenter,
        principle_model=unlearned,
        domain_model=None,
    )
    if dropped:
        log.info("no label left to learn from: removed the learned %s model", " and ".join(dropped))


async def relearn_if_erased(core: Core) -> bool:
    """Start learning again (`start_learning`) when a stored principle or domain model was
    learned before a deletion of labelled answers (/forget, retention: storage counts them),
    since its features may hold words of the deleted texts; whether a run started. The
    scheduler's tick calls it, so a run that failed, or a process that stopped meanwhile, is
    caught up at a later tick: the stored models stay marked until learned again."""
    failed_at = core.learning_failed_at
    if failed_at is not None and not due_again(
        failed_at, relearn_backoff(core.learning_failures), core.now()
    ):
        return False  # a run failed a moment ago: not again at every tick
    async with core.repo.transaction() as session:
        stale = await session.models_learned_before_erasure(LABEL_MODELS)
    if not stale:
        return False
    started = start_learning(core)
    if started:
        log.info("labelled answers were deleted: learning the %s model again", " and ".join(stale))
    return started


async def follow_stored_models(core: Core) -> bool:
    """Tag with the learned models in storage where they changed since this process last
    looked (another process sharing the database learned or removed them: /label learning,
    and relearning after a deletion, run in one process only); whether the tagger changed.
    Only the models whose stored time changed are read again. The scheduler's tick calls it
    in every process; the first call only notes what is stored (the tagger was loaded from it
    at start)."""
    names = [MODEL_NAME, *LABEL_MODELS]
    async with core.repo.transaction() as session:
        stamps = await session.model_stamps(names)
        seen = core.models_seen
        changed = [] if seen is None else [n for n in names if seen.get(n) != stamps.get(n)]
        blobs = {n: await session.get_model(n) for n in changed}
    core.models_seen = stamps
    if not changed:
        return False
    current = core.tagger
    taxonomy = current.taxonomy
    model, principles, domains = current.model, current.principle_model, current.domain_model
    if MODEL_NAME in blobs:
        blob = blobs[MODEL_NAME]
        model = LearnedModel.from_bytes(blob) if blob else None
    principle_model: LearnedModel | Literal["default"] | None = principles
    if PRINCIPLE_MODEL_NAME in blobs:
        learned = stored_principle_model(blobs[PRINCIPLE_MODEL_NAME], taxonomy)
        principle_model = (
            learned
            if learned is not None
            # Removed (or no fit): the model of no label (training one from
            # nlp.principle_answers takes seconds: not on the event loop).
            else await asyncio.to_thread(unlearned_principles, core.settings, taxonomy)
        )
    if DOMAIN_MODEL_NAME in blobs:
        domains = stored_domain_model(blobs[DOMAIN_MODEL_NAME], taxonomy)
    core.tagger = Tagger(
        taxonomy, model, current.segmenter, principle_model=principle_model, domain_model=domains
    )
    log.info("learned models changed in storage (%s): tagging with them", ", ".join(changed))
    return True


# After a failed learning run, relearning waits this long, doubling with each failure in a row
# up to RELEARN_BACKOFF_MAX (a database that refuses writes must not get a run and an ERROR
# line at every tick).
RELEARN_BACKOFF = timedelta(minutes=1)
RELEARN_BACKOFF_MAX = timedelta(hours=1)


def relearn_backoff(failures: int) -> timedelta:
    """How long relearning waits after `failures` failed runs in a row."""
    doublings: int = max(0, min(failures - 1, 10))
    return min(RELEARN_BACKOFF * (1 << doublings), RELEARN_BACKOFF_MAX)


def start_learning(core: Core) -> bool:
    """Start `learn_from_labels` in the background unless a run is still going; whether one
    started. A failure is logged, never raised into a handler."""
    running = core.learning
    if running is not None and not running.done():
        return False

    async def run() -> None:
        try:
            await learn_from_labels(core)
        except Exception as exc:
            core.learning_failures += 1
            core.learning_failed_at = core.now()
            log.error(
                "learning from organisers' labels failed (after a deletion of labelled "
                "answers, tried again in %s): %s",
                relearn_backoff(core.learning_failures),
                failure(exc),
            )
        else:
            core.learning_failures, core.learning_failed_at = 0, None

    core.learning = asyncio.get_running_loop().create_task(run())
    return True
