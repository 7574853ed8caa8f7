"""The shipped principle model can say that an answer has no principle at all, as a model
learned with `minyi learn` can say it has no theme (nlp/learn.py): beside its principles it
learns a no-theme row from the shipped neutral answers (greetings, thanks, logistics) and its
answers labelled with no principle, and a principle no keyword points to is tagged only while
that row says the answer has one."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from nlp.learn import train_multilabel
from nlp.model import NO_THEME, NONE_VERSION, LearnedModel, default_principle_model
from nlp.normalise import normalise
from nlp.tagger import MAX_NO_THEME, Tagger
from nlp.taxonomy import Taxonomy

HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "neutral_answers_heldout.csv"

# The held-out neutral answers a review found tagged with a principle no keyword points to
# ("知道啦" 透明, "对的" 公平).
REVIEWED = ["知道啦", "我也一样", "我回答完了", "下雪了", "对的", "没明白你的意思"]


def _held_out() -> list[str]:
    with HELD_OUT.open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _principles(tagger: Tagger, text: str) -> list[str]:
    return [t.id for t in tagger.tag(text) if t.kind == "principle"]


def test_neutral_answers_get_no_principle_without_a_keyword(default_tagger: Tagger) -> None:
    """Neither the reviewed chatter nor the other held-out neutral answers (written apart from
    the shipped ones) get a principle that no keyword of theirs points to."""
    assert {text: _principles(default_tagger, text) for text in REVIEWED} == {
        text: [] for text in REVIEWED
    }
    texts = _held_out()
    unbacked = [
        (text, [t.id for t in tags if t.kind == "principle" and not t.evidence])
        for text, tags in zip(texts, default_tagger.tag_many(texts), strict=True)
    ]
    wrong = [pair for pair in unbacked if pair[1]]
    assert len(wrong) <= 0.02 * len(texts), wrong


def test_clear_principle_answers_still_get_their_principle(default_tagger: Tagger) -> None:
    """Answers that invoke a principle keep it: in their own words, with no keyword (the model
    alone), and with one."""
    unbacked = {
        "改造方案定之前没人问过业主的意见": "participation",
        "快递单上的电话被人拍了发到群里": "privacy",
        "一样交钱，有人家就能先装": "equity",
        "出了事没有一个人站出来负责": "accountability",
    }
    for text, principle in unbacked.items():
        tags = {t.id: t for t in default_tagger.tag(text)}
        assert principle in tags, text
        assert tags[principle].evidence == [] and tags[principle].learned, text
    tags = {t.id: t for t in default_tagger.tag("物业费的账目从来不公开，钱花在哪了？")}
    assert "公开" in tags["transparency"].evidence


def test_the_shipped_model_has_a_no_theme_row(taxonomy: Taxonomy) -> None:
    """The shipped model scores the ten principles and, apart, how likely an answer has none:
    likely for chatter, unlikely for an answer on a principle. The tagger never shows it as a
    theme or a score."""
    model = default_principle_model()
    assert model is not None and model.multilabel
    assert model.themes == [t.id for t in taxonomy.by_kind("principle")]
    assert model.labels == [*model.themes, NO_THEME]
    assert model.thresholds is not None and set(model.thresholds) == set(model.themes)
    tagger = Tagger(taxonomy, principle_model=model)
    for text, none_likely in [("知道啦", True), ("居民的意见从来没人听", False)]:
        tokens = tagger.tokens(normalise(text))
        probabilities = model.predict_features(model.features(tokens, tagger.strong_themes(tokens)))
        assert (probabilities[NO_THEME] >= MAX_NO_THEME) is none_likely, text
    assert NO_THEME not in tagger.scores("知道啦")


def test_a_principle_model_with_a_no_theme_row_round_trips(default_tagger: Tagger) -> None:
    """Saved and loaded, it tags the reviewed chatter and principle answers the same; its file
    says the version of models with a no-theme row."""
    model = default_tagger.principle_model
    assert model is not None
    data = model.to_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        assert json.loads(str(archive["header"]))["version"] == NONE_VERSION
    loaded = Tagger(default_tagger.taxonomy, principle_model=LearnedModel.from_bytes(data))
    texts = [*REVIEWED, "从来没人问过我们的意见", "物业费的账目从来不公开"]
    assert loaded.tag_many(texts) == default_tagger.tag_many(texts)


def test_a_principle_model_learned_again_also_says_none(taxonomy: Taxonomy) -> None:
    """A principle model learned from other answers (a deployment's own file, organisers'
    labels) learns the no-theme row too: chatter gets no principle from it."""
    examples: list[tuple[str, list[str]]] = [
        (f"{who}的意见从来没人问过，{what}就定下来了", ["participation"])
        for who in ("居民", "业主", "老人", "租户")
        for what in ("方案", "改造", "收费")
    ] + [
        (f"{what}的账目从来不公开，{who}根本不知道钱去哪了", ["transparency"])
        for who in ("居民", "业主", "老人", "租户")
        for what in ("维修基金", "停车费", "物业费")
    ]
    model = train_multilabel(examples, taxonomy, ["participation", "transparency"])
    assert model.labels[-1] == NO_THEME
    tagger = Tagger(taxonomy, principle_model=model)
    assert [_principles(tagger, text) for text in REVIEWED] == [[] for _ in REVIEWED]
    assert "participation" in _principles(tagger, "改造方案定之前没人问过业主的意见")
