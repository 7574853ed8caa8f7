"""Learning from labelled examples: training, combining with keywords, safe round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.learn import (
    C_GRID,
    DEFAULT_C,
    SINGLE_LABEL_CHAR_NGRAMS,
    LearnedModel,
    choose_c,
    choose_thresholds,
    train,
)
from nlp.model import FEATURES_VERSION, NO_THEME, NONE_VERSION
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy, load_taxonomy

# A deployment-specific word the taxonomy does not know: "三号井" is this estate's
# nickname for a broken well cover residents keep reporting.
EXAMPLES = [
    ("三号井又冒水了", "城乡建设"),
    ("三号井盖松了，晚上很危险", "urban_rural_construction"),
    ("三号井那边的水管爆了", "城乡建设"),
    ("三号井周围一直很臭", "城乡建设"),
    ("学校门口的补习班太多了", "教育文体"),
    ("孩子的作业太多，睡得太晚", "education_culture_sports"),
    ("老师收钱给学生补课", "教育文体"),
    ("幼儿园收费太贵", "教育文体"),
]


@pytest.fixture(scope="module")
def model(taxonomy: Taxonomy) -> LearnedModel:
    """A small model trained on the examples above."""
    return train(EXAMPLES, taxonomy)


def test_learned_model_knows_its_labels(model: LearnedModel) -> None:
    """Labels given by name_zh or id are resolved to theme ids (beside the no-theme class)."""
    assert model.themes == ["education_culture_sports", "urban_rural_construction"]
    assert model.labels == [*model.themes, NO_THEME]


def test_learned_word_lifts_its_theme(taxonomy: Taxonomy, model: LearnedModel) -> None:
    """After learning, a text with only the deployment's own word gets the learned theme."""
    plain = Tagger(taxonomy)
    learned = Tagger(taxonomy, model)
    text = "三号井今天又出问题了"
    assert "urban_rural_construction" not in [t.id for t in plain.tag(text)]
    tags = {t.id: t for t in learned.tag(text)}
    assert "urban_rural_construction" in tags
    assert tags["urban_rural_construction"].evidence == []  # learned, no keyword matched


def test_keyword_evidence_stays_visible_with_a_model(
    taxonomy: Taxonomy, model: LearnedModel
) -> None:
    """Keyword evidence is still shown beside the learned score."""
    tags = {t.id: t for t in Tagger(taxonomy, model).tag("学校老师有偿补课")}
    assert {"学校", "有偿补课"} <= set(tags["education_culture_sports"].evidence)


def test_round_trip_through_bytes(taxonomy: Taxonomy, model: LearnedModel) -> None:
    """A model saved with to_bytes and loaded with from_bytes tags identically."""
    loaded = LearnedModel.from_bytes(model.to_bytes())
    texts = ["三号井又冒水了", "幼儿园老师", "停车难"]
    assert Tagger(taxonomy, loaded).tag_many(texts) == Tagger(taxonomy, model).tag_many(texts)


def test_model_bytes_are_not_pickle(model: LearnedModel) -> None:
    """The stored model is a zip of .npy arrays, loadable without pickle."""
    data = model.to_bytes()
    assert data[:2] == b"PK"
    assert b"cnumpy" not in data  # pickle's global opcode for numpy objects


def test_garbage_bytes_are_refused() -> None:
    """Bytes that are not a model give ValueError, not a crash or code execution."""
    with pytest.raises(ValueError):
        LearnedModel.from_bytes(b"not a model")


def test_unknown_label_is_named(taxonomy: Taxonomy) -> None:
    """Training with a label that is no theme raises ValueError naming it."""
    with pytest.raises(ValueError, match="'外星人'"):
        train([("a", "城乡建设"), ("b", "外星人")], taxonomy)


def test_one_label_is_not_enough(taxonomy: Taxonomy) -> None:
    """Learning needs at least two themes."""
    with pytest.raises(ValueError, match="at least two"):
        train([("a", "城乡建设"), ("b", "城乡建设")], taxonomy)


def test_save_and_load_file(tmp_path: Path, taxonomy: Taxonomy, model: LearnedModel) -> None:
    """save() then load() gives a model that tags the same; no partial file is left behind."""
    path = tmp_path / "deploy" / "model.npz"
    model.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]
    loaded = LearnedModel.load(path)
    assert Tagger(taxonomy, loaded).tag("三号井") == Tagger(taxonomy, model).tag("三号井")


def test_model_for_a_theme_the_taxonomy_lost_is_refused(model: LearnedModel) -> None:
    """A model naming a theme missing from the taxonomy cannot be used with it."""
    kept = [t for t in load_taxonomy().themes if t.id == "education_culture_sports"]
    smaller = Taxonomy(themes=kept)
    with pytest.raises(ValueError, match="urban_rural_construction"):
        Tagger(smaller, model)


def test_keyword_threshold_keeps_the_precision_floor() -> None:
    """Answers whose keywords point to a theme but that do not carry it raise the keyword
    threshold above their scores; keyword-backed answers that do carry it lower it."""
    probs = [0.9, 0.85, 0.8, 0.3, 0.3, 0.3, 0.3]
    gold = [True, True, True, False, False, False, False]
    backed = [False, False, False, True, True, True, True]
    _, keyword_threshold = choose_thresholds(probs, gold, backed, 0.8)
    assert keyword_threshold > 0.3
    gold = [True, True, True, True, True, True, True]
    _, keyword_threshold = choose_thresholds(probs, gold, backed, 0.8)
    assert keyword_threshold <= 0.3


def test_a_legacy_principle_model_keeps_its_keyword_rule() -> None:
    """A multi-label model written before keyword thresholds were stored tags keyword-backed
    answers from 0.2 (or its own threshold if lower), as it did then."""
    import numpy as np

    model = LearnedModel(
        labels=["privacy", "equity"],
        vocabulary=["a"],
        idf=np.ones(1),
        coef=np.zeros((2, 1)),
        intercept=np.zeros(2),
        thresholds=[0.6, 0.15],
    )
    assert model.keyword_thresholds == {"privacy": 0.2, "equity": 0.15}
    restored = LearnedModel.from_bytes(model.to_bytes())
    assert restored.keyword_thresholds == model.keyword_thresholds


def _header(data: bytes) -> dict[str, object]:
    import io
    import json

    import numpy as np

    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        header: dict[str, object] = json.loads(str(archive["header"]))
    return header


def test_a_learned_model_says_its_features(model: LearnedModel) -> None:
    """`train` learns from keyword hits and character pairs, and its file says so (version 3,
    and 4 for its no-theme class), so a reader that would score it with other features refuses
    it; without the no-theme class it is written as version 3."""
    assert model.uses_keywords and model.char_ngrams == SINGLE_LABEL_CHAR_NGRAMS
    header = _header(model.to_bytes())
    assert header["version"] == NONE_VERSION
    assert header["uses_keywords"] is True
    assert header["char_ngrams"] == list(SINGLE_LABEL_CHAR_NGRAMS)
    loaded = LearnedModel.from_bytes(model.to_bytes())
    assert loaded.uses_keywords and loaded.char_ngrams == SINGLE_LABEL_CHAR_NGRAMS
    themes = len(model.themes)
    without = LearnedModel(
        labels=model.themes,
        vocabulary=list(model.vocabulary),
        idf=model.idf,
        coef=model.coef[:themes],
        intercept=model.intercept[:themes],
        uses_keywords=True,
        char_ngrams=SINGLE_LABEL_CHAR_NGRAMS,
    )
    assert _header(without.to_bytes())["version"] == FEATURES_VERSION


def test_a_version_1_model_still_loads_with_its_features(model: LearnedModel) -> None:
    """A single-label model with version 1's features (no keyword hits, 1-3-grams) is still
    written and read as version 1."""
    import numpy as np

    old = LearnedModel(
        labels=model.themes,
        vocabulary=["三号井", "#三号"],
        idf=np.ones(2),
        coef=np.zeros((len(model.themes), 2)),
        intercept=np.zeros(len(model.themes)),
    )
    assert _header(old.to_bytes())["version"] == 1
    loaded = LearnedModel.from_bytes(old.to_bytes())
    assert not loaded.uses_keywords and loaded.char_ngrams == (1, 2, 3)


def test_c_is_chosen_from_the_grid_by_cross_validation() -> None:
    """With enough examples per theme C comes from the grid by inner CV; with fewer than the
    inner folds it is the default."""
    import numpy as np

    from nlp.learn import _CountMatrix
    from nlp.model import features

    words = {"a": ["井盖", "水管", "路灯", "下水道", "电梯", "楼道"], "b": ["学校", "老师", "作业"]}
    docs, target = [], []
    for label, pool in words.items():
        for i in range(9):
            docs.append(features([pool[i % len(pool)], pool[(i + 1) % len(pool)]]))
            target.append(label)
    counts = _CountMatrix(docs)
    assert choose_c(counts, np.array(target)) in C_GRID
    few = _CountMatrix(docs[:2] + docs[9:11])
    assert choose_c(few, np.array(["a", "a", "b", "b"])) == DEFAULT_C


def test_learning_does_not_depend_on_numpys_global_random_state(taxonomy: Taxonomy) -> None:
    """The SVMs' solver shuffles with its own seed: two runs after different global seeds give
    the same bytes (a model's file is what its inputs make; it was not)."""
    import numpy as np

    examples = [
        ("楼下广场舞音响太吵了，晚上十点还在跳", "噪音"),
        ("隔壁工地半夜还在施工，根本睡不着", "噪音"),
        ("小区的垃圾桶太少，厨余垃圾经常溢出来", "垃圾分类"),
        ("干湿垃圾混着扔，也没人督导", "垃圾分类"),
    ]
    built = []
    for seed in (1, 2):
        np.random.seed(seed)
        built.append(train(examples, taxonomy).to_bytes())
    assert built[0] == built[1]
