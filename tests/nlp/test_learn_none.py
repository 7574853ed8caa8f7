"""A model learned from a small labelled file can say "none of the themes I learned"
(nlp/learn.py): beside its themes it learns to tell answers with no theme, from the shipped
neutral answers (nlp/data/neutral_answers.csv) and the file's own `none` rows, so greetings,
thanks and logistics stay untagged instead of taking whichever learned theme is nearest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.core.csvfiles import CsvInputError
from bot.core.tagging import read_labelled
from nlp.learn import neutral_answers, train
from nlp.model import NO_THEME, LearnedModel
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "neutral_answers_heldout.csv"

# What an organiser of a new deployment might give `minyi learn`: two themes, three rows each.
SMALL = [
    ("楼下广场舞音响太吵了，晚上十点还在跳", "噪音"),
    ("隔壁工地半夜还在施工，根本睡不着", "噪音"),
    ("楼上装修电钻一直响，老人孩子没法休息", "噪音"),
    ("小区的垃圾桶太少，厨余垃圾经常溢出来", "垃圾分类"),
    ("分类垃圾桶旁边很臭，也没人督导", "垃圾分类"),
    ("垃圾分类的宣传没人看得懂，干湿垃圾混着扔", "垃圾分类"),
]
# The texts the review found tagged with a learned theme that nothing in them points to.
REVIEWED = ["谢谢大家", "好的，收到", "今天天气不错"]


def _held_out() -> list[str]:
    with HELD_OUT.open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def small(taxonomy: Taxonomy) -> LearnedModel:
    return train(SMALL, taxonomy)


def _learned_tags(tagger: Tagger, model: LearnedModel, texts: list[str]) -> list[list[str]]:
    return [[t.id for t in tags if t.id in model.labels] for tags in tagger.tag_many(texts)]


def test_neutral_answers_keep_no_theme_after_a_small_file(
    taxonomy: Taxonomy, small: LearnedModel
) -> None:
    """After learning six rows of two themes, neither the reviewed texts nor the held-out
    neutral answers (written apart from the shipped ones) get a learned theme."""
    tagger = Tagger(taxonomy, small)
    assert _learned_tags(tagger, small, REVIEWED) == [[], [], []]
    texts = _held_out()
    wrong = [t for t, tags in zip(texts, _learned_tags(tagger, small, texts), strict=True) if tags]
    assert len(wrong) <= 0.05 * len(texts), wrong


def test_answers_on_a_learned_theme_still_get_it(taxonomy: Taxonomy, small: LearnedModel) -> None:
    """Unseen answers about the learned themes, with and without their keywords, keep them."""
    tagger = Tagger(taxonomy, small)
    assert "noise" in [t.id for t in tagger.tag("晚上跳广场舞的音响声音太大了")]
    assert "waste_sorting" in [t.id for t in tagger.tag("厨余垃圾桶满了好几天没人清")]


def test_the_none_class_is_never_a_tag_or_a_score(taxonomy: Taxonomy, small: LearnedModel) -> None:
    """The model learns a no-theme class beside the themes; the tagger neither tags nor scores
    it, and the taxonomy need not know it."""
    assert small.labels[-1] == NO_THEME
    assert set(small.themes) == {"noise", "waste_sorting"}
    small.check_compatible(taxonomy)
    tagger = Tagger(taxonomy, small)
    assert NO_THEME not in tagger.scores("谢谢大家")
    assert all(t.id != NO_THEME for tags in tagger.tag_many(REVIEWED) for t in tags)


def test_a_model_with_a_none_class_round_trips(taxonomy: Taxonomy, small: LearnedModel) -> None:
    """Saved and loaded, it tags the same; its file is refused by a Minyi that would take the
    no-theme class for a theme (a newer version than the one before it)."""
    from nlp.model import FEATURES_VERSION, NONE_VERSION

    loaded = LearnedModel.from_bytes(small.to_bytes())
    texts = [*REVIEWED, *(text for text, _ in SMALL)]
    assert Tagger(taxonomy, loaded).tag_many(texts) == Tagger(taxonomy, small).tag_many(texts)
    assert NONE_VERSION > FEATURES_VERSION
    import io
    import json

    import numpy as np

    with np.load(io.BytesIO(small.to_bytes()), allow_pickle=False) as archive:
        assert json.loads(str(archive["header"]))["version"] == NONE_VERSION


def test_none_rows_of_a_labelled_file_teach_the_none_class(
    tmp_path: Path, taxonomy: Taxonomy
) -> None:
    """`none` in a `text,label` file is an answer the organisers say has no theme: read, and
    learned from as such (here it keeps an estate's own chatter untagged)."""
    path = tmp_path / "labelled.csv"
    rows = [*SMALL, ("三号楼的群今晚几点开会？", "none"), ("三号楼今晚开会吗", "none")]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    examples = read_labelled(path, taxonomy)
    assert examples[-1] == ("三号楼今晚开会吗", "none")
    model = train(examples, taxonomy)
    assert set(model.themes) == {"noise", "waste_sorting"}
    tagger = Tagger(taxonomy, model)
    assert _learned_tags(tagger, model, ["三号楼今晚几点开会"]) == [[]]


def test_a_file_of_none_and_one_theme_is_not_enough(taxonomy: Taxonomy) -> None:
    """`none` rows are no theme: learning still needs two themes."""
    with pytest.raises(ValueError, match="at least two"):
        train([("a", "噪音"), ("b", "none"), ("c", "none")], taxonomy)


def test_unknown_labels_are_still_refused(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text("text,label\n你好,nothing\n", encoding="utf-8")
    with pytest.raises(CsvInputError):
        read_labelled(path, taxonomy)


def test_shipped_neutral_answers_point_to_no_theme(taxonomy: Taxonomy) -> None:
    """The shipped neutral answers hold no keyword that makes a theme (a `none` example must
    not teach a theme's own keyword away), and share no text with the held-out ones."""
    shipped = neutral_answers()
    assert len(shipped) >= 100
    tagger = Tagger(taxonomy, principle_model=None)
    assert [t for t in shipped if tagger.strong_themes(tagger.tokens(t))] == []
    assert set(shipped).isdisjoint(_held_out())


def test_theme_probabilities_are_among_the_themes(taxonomy: Taxonomy, small: LearnedModel) -> None:
    """A theme's probability is its share among the themes (as without the no-theme row, so
    a text about the themes scores as it did); the no-theme probability says how likely the
    text has none of them: high for chatter, low for an answer on a learned theme."""
    tagger = Tagger(taxonomy, principle_model=None)
    for text, none_likely in [("谢谢大家", True), ("楼下装修的噪音吵得人睡不着", False)]:
        tokens = tagger.tokens(text)
        probabilities = small.predict_features(small.features(tokens, tagger.strong_themes(tokens)))
        assert abs(sum(probabilities[t] for t in small.themes) - 1.0) < 1e-9
        assert (probabilities[NO_THEME] >= 0.5) is none_likely
