"""The first-level domain model learned from organisers' labels (nlp/domain_model.py) and how
the tagger uses it (issue 15). The labelled answers are tests/data/domain_answers.csv, written
for these tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from nlp.domain_model import (
    MIN_DOMAIN_LABELS,
    domain_base_examples,
    domain_examples,
    domain_labels,
    domain_part,
    train_domains,
)
from nlp.model import LearnedModel, default_principle_model
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "domain_answers.csv"


def _answers() -> list[tuple[str, list[str]]]:
    with ANSWERS.open(encoding="utf-8") as handle:
        return [
            (row["text"], [x for x in row["labels"].split(";") if x != "none"])
            for row in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def learned(taxonomy: Taxonomy) -> LearnedModel:
    model = train_domains(_answers(), taxonomy)
    assert model is not None
    return model


def test_a_label_speaks_of_domains_only_when_it_names_one(taxonomy: Taxonomy) -> None:
    """Principles alone (or nothing) say nothing about domains; a child counts as its root,
    and a label naming a domain is complete: the rest are domains the answer has not."""
    assert domain_part(taxonomy, ["participation", "accountability"]) is None
    assert domain_part(taxonomy, []) is None
    assert domain_part(taxonomy, ["parking"]) == ["transport"]
    assert domain_part(taxonomy, ["equity", "environment", "property_management"]) == [
        "urban_rural_construction",
        "environment",
    ]
    labelled = [("甲", ["participation"]), ("乙", ["noise", "equity"]), ("丙", [])]
    assert domain_examples(taxonomy, labelled) == [("乙", ["environment"])]


def test_the_base_examples_are_the_taxonomys_own_words(taxonomy: Taxonomy) -> None:
    """Domain names and keywords (children's too) with their first-level domain; weak
    keywords are no example; principles' words are examples of no domain."""
    base = dict(domain_base_examples(taxonomy))
    assert base["城乡建设"] == ["urban_rural_construction"]
    assert base["停车位"] == ["transport"]  # a child's keyword, as its first-level domain
    assert base["垃圾分类"] == ["environment"]
    assert "小区" not in base  # weak for every domain that has it
    assert base["参与"] == []
    assert set(domain_labels(taxonomy)) >= {d for labels in base.values() for d in labels}


def test_too_few_labels_naming_a_domain_learn_no_model(taxonomy: Taxonomy) -> None:
    """Below MIN_DOMAIN_LABELS labels that name a domain, there is no domain model (a model of
    the one-word base examples alone decides poorly on whole answers); principle-only labels
    do not count."""
    answers = [(t, ls) for t, ls in _answers() if ls]
    few = answers[: MIN_DOMAIN_LABELS - 1]
    principles_only = [(t, ["participation"]) for t, _ in answers[MIN_DOMAIN_LABELS:]]
    assert train_domains(few + principles_only, taxonomy) is None


def test_a_domain_the_keywords_missed_is_tagged_with_the_words_that_weighed(
    taxonomy: Taxonomy, learned: LearnedModel
) -> None:
    """Residents' own words the keywords do not know (健身器材, 篮球场) make 教育文体 once
    organisers labelled answers using them: no keyword evidence, the learned words shown."""
    text = "小区里的健身器材和篮球场都坏了，希望早点修好。"
    assert "education_culture_sports" not in {t.id for t in Tagger(taxonomy).tag(text)}
    tags = {t.id: t for t in Tagger(taxonomy, domain_model=learned).tag(text)}
    tag = tags["education_culture_sports"]
    assert tag.evidence == []
    assert "健身器材" in tag.learned or "篮球场" in tag.learned
    assert tag.score >= (learned.thresholds or {})["education_culture_sports"]


def test_keyword_evidence_stays_visible(taxonomy: Taxonomy, learned: LearnedModel) -> None:
    """A domain its keywords point to keeps its evidence (and children keep theirs)."""
    text = "垃圾桶太少了，垃圾分类根本做不起来，夏天臭味很大。"
    tags = {t.id: t for t in Tagger(taxonomy, domain_model=learned).tag(text)}
    assert "垃圾分类" in tags["environment"].evidence
    assert "垃圾分类" in tags["waste_sorting"].evidence


def _sure_of(taxonomy: Taxonomy, domains: set[str]) -> LearnedModel:
    """A hand-made domain model sure of `domains` and sure no other domain is meant."""
    labels = domain_labels(taxonomy)
    return LearnedModel(
        labels=labels,
        vocabulary=["停车"],
        idf=np.ones(1),
        coef=np.zeros((len(labels), 1)),
        intercept=np.array([5.0 if d in domains else -5.0 for d in labels]),
        thresholds=[0.5] * len(labels),
        keyword_thresholds=[0.2] * len(labels),
        uses_keywords=True,
        char_ngrams=(1, 2),
        ascii_pieces=False,
    )


def test_the_model_decides_domains_and_children_follow(taxonomy: Taxonomy) -> None:
    """A first-level domain the keywords found is dropped when the model is sure it is not
    meant, and so is a child domain none of whose first-level domains is tagged (labels would
    count it as that domain); a child stays beside a first-level domain it may credit."""
    text = "晚上路口乱停车，过马路都看不见来车。"
    keywords = {t.id for t in Tagger(taxonomy).tag(text)}
    assert {"parking", "transport"} <= keywords
    none = {t.id for t in Tagger(taxonomy, domain_model=_sure_of(taxonomy, set())).tag(text)}
    assert not none & {"parking", "transport"}
    other = Tagger(taxonomy, domain_model=_sure_of(taxonomy, {"urban_rural_construction"}))
    tags = {t.id: t for t in other.tag(text)}
    # 停车 may be filed under 城乡建设 (an estate's parking): it stays, with its evidence.
    assert "transport" not in tags and "乱停车" in tags["parking"].evidence
    assert tags["urban_rural_construction"].evidence == []


def test_batched_tagging_is_tagging_one_by_one(taxonomy: Taxonomy, learned: LearnedModel) -> None:
    """tag_many with a domain model gives exactly what tag gives text by text."""
    tagger = Tagger(taxonomy, domain_model=learned)
    texts = [t for t, _ in _answers()[::7]] + ["", "今天天气不错。"]
    assert tagger.tag_many(texts) == [tagger.tag(t) for t in texts]


def test_a_stored_domain_model_tags_the_same(taxonomy: Taxonomy, learned: LearnedModel) -> None:
    """Written and read back (as the deployment stores it), the model tags alike."""
    again = LearnedModel.from_bytes(learned.to_bytes())
    texts = [t for t, _ in _answers()[::5]]
    assert Tagger(taxonomy, domain_model=again).tag_many(texts) == Tagger(
        taxonomy, domain_model=learned
    ).tag_many(texts)


def test_only_a_multilabel_model_of_first_level_domains_is_a_domain_model(
    taxonomy: Taxonomy,
) -> None:
    principles = default_principle_model()
    assert principles is not None
    with pytest.raises(ValueError, match="first-level domains"):
        Tagger(taxonomy, domain_model=principles)
