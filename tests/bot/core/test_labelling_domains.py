"""Organisers' labels teach the first-level domains (bot/core/labelling.py, nlp/domain_model.py,
issue 15): the learning stores a domain model beside the principle model, a restart keeps it,
`minyi retag` applies it, and labels naming principles only teach no domain."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.config import settings_from_dict
from bot.core.base import DOMAIN_MODEL_NAME, PRINCIPLE_MODEL_NAME, Core, open_core
from bot.core.labelling import learn_from_labels, uncertainty
from bot.core.retag import retag_answers
from bot.core.tagging import learn_sets
from nlp.domain_model import MIN_DOMAIN_LABELS, domain_labels
from nlp.model import LearnedModel
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy
from tests.seeding import seed_text_round

ANSWERS = Path(__file__).resolve().parents[2] / "data" / "domain_answers.csv"
LABELLED = 40


def _answers() -> list[tuple[str, list[str]]]:
    with ANSWERS.open(encoding="utf-8") as handle:
        return [
            (row["text"], [x for x in row["labels"].split(";") if x != "none"])
            for row in csv.DictReader(handle)
        ]


async def _core(tmp_path: Path) -> Core:
    """A core over tmp_path's database; its principle model learns from a small base of the
    file's last answers (labelled with no principle) instead of the shipped answers, so that
    learning takes seconds."""
    base = tmp_path / "base.csv"
    if not base.exists():
        with base.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "labels", "split"])
            writer.writerows([text, "none", "train"] for text, _ in _answers()[-20:])
    data = {
        "storage": {"url": f"sqlite:///{tmp_path / 'm.db'}"},
        "nlp": {"principle_answers": str(base)},
    }
    return await open_core(settings_from_dict(data, environ={}), secret=b"k")


async def _seed(core: Core, labels: list[tuple[str, list[str]]]) -> None:
    """Every answer of the file stored, and the first of them labelled as given."""
    texts = [text for text, _ in _answers()]
    _, ids = await seed_text_round(core, texts)
    given = dict(labels)
    now = datetime.now(UTC)
    async with core.repo.transaction() as session:
        for text, answer_id in zip(texts, ids, strict=True):
            if text in given:
                await session.set_label(answer_id, "organiser", given[text], now)


async def _domains_tagged_from_the_model_alone(core: Core) -> int:
    """Stored tags of a first-level domain with no keyword evidence and learned words."""
    async with core.repo.transaction() as session:
        answers = await session.list_answers()
    first = {"urban_rural_construction", "environment", "transport", "commerce_tourism"}
    first |= {"education_culture_sports", "labour_social_security", "health_family_planning"}
    return sum(
        1 for a in answers for t in a.themes if t.theme_id in first and not t.evidence and t.learned
    )


async def test_labels_naming_domains_teach_a_domain_model_a_restart_keeps(
    tmp_path: Path,
) -> None:
    """Labels that name domains (with a principle beside them) make a domain model: stored
    under its own name, used at once, loaded again at start, applied by retag."""
    labels = [(text, ["participation", *domains]) for text, domains in _answers()[:LABELLED]]
    core = await _core(tmp_path)
    try:
        await _seed(core, labels)
        assert core.tagger.domain_model is None
        assert await learn_from_labels(core) == LABELLED
        learned = core.tagger.domain_model
        assert learned is not None and core.tagger.principle_model is not None
        async with core.repo.transaction() as session:
            stored = await session.get_model(DOMAIN_MODEL_NAME)
            assert await session.get_model(PRINCIPLE_MODEL_NAME) is not None
        assert stored == learned.to_bytes()
        before = await _domains_tagged_from_the_model_alone(core)
    finally:
        await core.repo.close()

    core = await _core(tmp_path)  # a restart
    try:
        assert core.tagger.domain_model is not None
        assert core.tagger.domain_model.to_bytes() == stored
        result = await retag_answers(core)
        assert not result.incremental and result.changed > 0
        after = await _domains_tagged_from_the_model_alone(core)
    finally:
        await core.repo.close()
    assert before == 0 and after > 0


async def test_labels_of_principles_only_teach_no_domain(tmp_path: Path) -> None:
    """An organiser who labelled principles only said nothing about domains: the principle
    model learns, no domain model is made."""
    labels = [(text, ["participation"]) for text, _ in _answers()[:LABELLED]]
    core = await _core(tmp_path)
    try:
        await _seed(core, labels)
        assert await learn_from_labels(core) == LABELLED
        assert core.tagger.domain_model is None
        async with core.repo.transaction() as session:
            assert await session.get_model(DOMAIN_MODEL_NAME) is None
            assert await session.get_model(PRINCIPLE_MODEL_NAME) is not None
    finally:
        await core.repo.close()


async def test_minyi_learn_on_a_labels_file_teaches_the_domains(tmp_path: Path) -> None:
    """`minyi learn` with a `labels` column: rows naming a domain teach the domain model (the
    others only the principles), and the summary says how many."""
    rows = _answers()[:LABELLED]
    with_domains = sum(1 for _, domains in rows if domains)
    assert with_domains >= MIN_DOMAIN_LABELS
    core = await _core(tmp_path)
    try:
        summary = await learn_sets(core, rows)
        assert f"first-level domains from {with_domains}" in summary
        assert core.tagger.domain_model is not None
        async with core.repo.transaction() as session:
            assert await session.get_model(DOMAIN_MODEL_NAME) is not None
    finally:
        await core.repo.close()


async def test_a_stored_domain_model_that_no_longer_fits_is_not_used(tmp_path: Path) -> None:
    """A stored domain model that is no model of this taxonomy's first-level domains (here the
    principle model's bytes) is left aside at start: keyword tagging, no failure."""
    core = await _core(tmp_path)
    try:
        principles = core.tagger.principle_model
        assert principles is not None
        async with core.repo.transaction() as session:
            await session.set_model(DOMAIN_MODEL_NAME, principles.to_bytes(), core.now())
    finally:
        await core.repo.close()
    core = await _core(tmp_path)
    try:
        assert core.tagger.domain_model is None
    finally:
        await core.repo.close()


def test_least_sure_counts_the_domain_models_doubt() -> None:
    """With a domain model, an answer whose domain probability sits on its threshold is as
    unsure as can be; without one, only the principles' doubt counts."""
    taxonomy = load_taxonomy()
    labels = domain_labels(taxonomy)
    on_the_edge = LearnedModel(
        labels=labels,
        vocabulary=["暖气"],
        idf=np.ones(1),
        coef=np.zeros((len(labels), 1)),
        intercept=np.zeros(len(labels)),  # every probability 0.5
        thresholds=[0.5] * len(labels),
        keyword_thresholds=[0.5] * len(labels),
        uses_keywords=True,
        char_ngrams=(1, 2),
        ascii_pieces=False,
    )
    text = "希望社区多开几次居民议事会。"
    assert uncertainty(Tagger(taxonomy), text) < 0.0
    assert uncertainty(Tagger(taxonomy, domain_model=on_the_edge), text) == 0.0
