"""The shipped principle model: it loads, tags residents' own wording, explains itself, and
reaches the targets on the blind fifth of the labelled answers it never saw."""

from __future__ import annotations

import csv
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.build_model import (
    AnswersFileError,
    build,
    is_blind,
    neutral_examples,
    read_answers,
    same_weights,
    training_examples,
    weak_report,
)
from nlp.learn import train
from nlp.metrics import Evaluation, evaluate_sets
from nlp.model import LearnedModel, default_principle_model, default_principle_model_path
from nlp.normalise import normalise, to_simplified
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from tests.nlp.conftest import ANSWERS_CSV, DEV_CSV

# Issue 15's targets on the blind fifth: macro F1, and per principle recall and precision. The
# blind fifth (510 answers) holds the 318 answers written with the first 1,300, 124 written later
# to contrast wording that misled the model (老人 in an answer about privacy, 规矩 in one about
# fairness) and 68 of the 311 written after them (older, disabled, migrant and renting residents
# named as service users in answers about other principles; inclusion claims without those
# words). Measured: macro P 0.858, R 0.742, F1 0.794 (P 0.855, F1 0.793 before the model's
# no-theme row); precision 0.78-0.93 and recall 0.63-0.91 for every principle (inclusiveness
# P 0.80, R 0.63; on the 124 contrast answers P 0.76, where it was 0.57 before the 311).
BLIND_MACRO_F1 = 0.75
BLIND_RECALL = 0.6
BLIND_MACRO_PRECISION = 0.75
PRECISION_FLOOR = 0.75


def _principles(taxonomy: Taxonomy) -> list[str]:
    return [t.id for t in taxonomy.by_kind("principle")]


def _blind_evaluation(tagger: Tagger) -> Evaluation:
    taxonomy = tagger.taxonomy
    labels = _principles(taxonomy)
    rows = [r for r in read_answers(ANSWERS_CSV, taxonomy) if r[2] == "blind"]
    predicted = [{t.id for t in tagger.tag(text)} & set(labels) for text, _, _ in rows]
    return evaluate_sets([set(gold) for _, gold, _ in rows], predicted, labels)


def _print(title: str, result: Evaluation) -> None:
    print(f"\n{title}: {result.n} answers")
    for s in result.per_theme:
        print(
            f"  {s.label:<16} P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}  n {s.support}"
        )
    print(
        f"  macro            P {result.macro_precision:.2f}  R {result.macro_recall:.2f}"
        f"  F1 {result.macro_f1:.2f}"
    )


def test_shipped_model_loads_and_is_used_by_default(
    taxonomy: Taxonomy, default_tagger: Tagger
) -> None:
    """The model file ships with the package, covers the ten principles, and tags by default."""
    model = default_principle_model()
    assert model is not None and model.multilabel and model.uses_keywords
    assert default_principle_model_path().stat().st_size < 1_000_000
    assert model.themes == _principles(taxonomy)
    assert default_tagger.principle_model is model


def test_blind_fifth_reaches_the_targets(default_tagger: Tagger, tagger: Tagger) -> None:
    """On the blind fifth, the default tagger reaches the macro F1, recall and precision targets."""
    _print("blind fifth, keywords only", _blind_evaluation(tagger))
    result = _blind_evaluation(default_tagger)
    _print("blind fifth, shipped model", result)
    assert result.n >= 300
    assert result.macro_f1 >= BLIND_MACRO_F1
    assert result.macro_precision >= BLIND_MACRO_PRECISION
    for score in result.per_theme:
        assert score.recall >= BLIND_RECALL, score.label
        assert score.precision >= PRECISION_FLOOR, score.label


def test_model_beats_keywords_alone_on_the_blind_fifth(
    default_tagger: Tagger, tagger: Tagger
) -> None:
    """The model finds principles in wording the keyword lists miss (higher blind recall)."""
    assert _blind_evaluation(default_tagger).macro_recall > _blind_evaluation(tagger).macro_recall


def test_learned_only_tag_says_which_words_weighed_most(default_tagger: Tagger) -> None:
    """A principle found by the model alone has no keyword evidence but names its words."""
    text = "公告栏里把每家的欠费金额和门牌号贴出来了，这样不好吧。"
    tags = {t.id: t for t in default_tagger.tag(text)}
    assert "privacy" in tags
    assert tags["privacy"].learned
    assert all(word in to_simplified(text) for word in tags["privacy"].learned)
    assert 0.0 < tags["privacy"].score <= 1.0


def test_keyword_evidence_stays_visible_beside_the_model(default_tagger: Tagger) -> None:
    """When a keyword matched, the tag shows it as evidence, and the model's words beside it."""
    tags = {t.id: t for t in default_tagger.tag("物业费的账目从来不公开，钱花在哪了？")}
    assert "公开" in tags["transparency"].evidence
    assert tags["transparency"].learned


def test_answer_without_a_principle_gets_none(default_tagger: Tagger) -> None:
    """Plain service requests and thanks get no principle from the model."""
    for text in ("谢谢社区的工作人员，辛苦了！", "楼下的便利店东西挺全的。", "停车费", "物业"):
        assert [t for t in default_tagger.tag(text) if t.kind == "principle"] == [], text


def test_a_deployments_model_adds_to_the_shipped_one(taxonomy: Taxonomy) -> None:
    """`minyi learn` on a deployment's examples adds its themes; shipped principles still come."""
    examples = [
        ("三号井又冒水了", "城乡建设"),
        ("三号井盖松了，晚上很危险", "城乡建设"),
        ("三号井那边的水管爆了", "城乡建设"),
        ("学校门口的补习班太多了", "教育文体"),
        ("老师收钱给学生补课", "教育文体"),
        ("幼儿园收费太贵", "教育文体"),
    ]
    tagger = Tagger(taxonomy, train(examples, taxonomy))
    assert tagger.principle_model is default_principle_model()
    ids = {t.id for t in tagger.tag("三号井的事报修了一个月，打电话一直没人回，到底谁负责？")}
    assert "urban_rural_construction" in ids
    assert {"responsiveness", "accountability"} & ids


def test_custom_taxonomy_without_the_principles_keeps_keyword_tagging(taxonomy: Taxonomy) -> None:
    """A taxonomy lacking the shipped principles gets no principle model (and no error)."""
    kept = [t for t in taxonomy.themes if t.kind == "domain" or t.id == "privacy"]
    assert Tagger(Taxonomy(themes=kept)).principle_model is None


def test_multilabel_model_round_trips_through_bytes(default_tagger: Tagger) -> None:
    """The shipped model saved and loaded again tags the same, thresholds included."""
    model = default_tagger.principle_model
    assert model is not None
    loaded = LearnedModel.from_bytes(model.to_bytes())
    assert loaded.thresholds == pytest.approx(model.thresholds)
    again = Tagger(default_tagger.taxonomy, principle_model=loaded)
    texts = ["从来没人问过我们的意见", "Nobody replied to our letter.", "停车难"]
    assert again.tag_many(texts) == default_tagger.tag_many(texts)


def test_build_script_reproduces_the_shipped_model(taxonomy: Taxonomy) -> None:
    """`python -m nlp.build_model` rebuilds exactly the shipped weights from the train part."""
    shipped = default_principle_model()
    assert shipped is not None
    rebuilt = LearnedModel.from_bytes(build(taxonomy).to_bytes())
    assert same_weights(rebuilt, shipped)
    # Rounding is forgiven, a weight that moved is not.
    rebuilt.coef[0, 0] += 1e-4
    assert not same_weights(rebuilt, shipped)


def test_weak_keywords_follow_the_training_answers(taxonomy: Taxonomy) -> None:
    """Every principle keyword that carries its principle in under 70 % of the train answers it
    matched is weak, and no other (`python -m nlp.build_model --weak-report` is empty)."""
    assert weak_report(taxonomy) == []


def test_a_weak_principle_word_alone_is_not_keyword_evidence(default_tagger: Tagger) -> None:
    """A weak principle word (规矩 for 法治, as often about fairness) does not make its principle
    keyword-backed: the model's lower, keyword-backed threshold does not apply."""
    tokens = default_tagger.tokens("规矩只管我们")
    assert "rule_of_law" not in default_tagger.strong_themes(tokens)


def test_blind_answers_are_never_trained_on(taxonomy: Taxonomy) -> None:
    """No blind answer is among the training examples the build script reads."""
    blind = {text for text, _, split in read_answers(ANSWERS_CSV, taxonomy) if split == "blind"}
    trained = {text for text, _ in training_examples(taxonomy)}
    assert blind and not blind & trained
    assert all(not labels for _, labels in neutral_examples(taxonomy))


def test_labelled_answers_file_is_big_varied_and_split_by_the_fixed_seed(
    taxonomy: Taxonomy,
) -> None:
    """≥ 2,200 answers over the ten principles and none, ~30 % with two labels, some
    Traditional and English, and the split column equal to the hash-fixed blind fifth."""
    rows = read_answers(ANSWERS_CSV, taxonomy)
    assert len(rows) >= 2200
    assert all((split == "blind") == is_blind(text) for text, _, split in rows)
    blind_share = sum(split == "blind" for _, _, split in rows) / len(rows)
    assert 0.17 <= blind_share <= 0.23
    two = sum(len(labels) == 2 for _, labels, _ in rows) / len(rows)
    assert 0.25 <= two <= 0.35
    seen = {label for _, labels, _ in rows for label in labels}
    assert seen == set(_principles(taxonomy))
    assert sum(not labels for _, labels, _ in rows) >= 100  # answers with no principle
    assert sum(text.isascii() for text, _, _ in rows) >= 80
    assert sum(to_simplified(text) != text for text, _, _ in rows) >= 40


def _bigrams(text: str) -> frozenset[str]:
    folded = "".join(ch for ch in to_simplified(text).casefold() if ch.isalnum())
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1))


def test_no_blind_answer_is_a_near_copy_of_a_training_answer(taxonomy: Taxonomy) -> None:
    """Every blind answer shares under 60 % of its character pairs with any training answer."""
    rows = read_answers(ANSWERS_CSV, taxonomy)
    train_grams = [_bigrams(text) for text, _, split in rows if split == "train"]
    blind = [text for text, _, split in rows if split == "blind"]
    assert train_grams and blind, "the answers file has no training or no blind answers"
    for text in blind:
        mine = _bigrams(text)
        for other in train_grams:
            union = len(mine | other)
            assert not union or len(mine & other) / union < 0.6, text


def test_bad_answers_file_is_refused(tmp_path: Path, taxonomy: Taxonomy) -> None:
    """A file with an unknown label, a bad split or 'none' beside a principle is named."""
    for row in (
        ["x", "nonsense", "train"],
        ["x", "privacy", "test"],
        ["x", "none;privacy", "train"],
    ):
        path = tmp_path / "answers.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["text", "labels", "split"], row])
        with pytest.raises(AnswersFileError, match="line 2"):
            read_answers(path, taxonomy)


def test_tagging_fast_path_sees_the_features_training_saw(default_tagger: Tagger) -> None:
    """vectorise_tokens gives exactly the vector of the features the model was trained on."""
    model = default_tagger.principle_model
    assert model is not None
    texts = [
        "物业费收了这么多年，账目从来没有公开过。问了也没人回！",
        "Nobody asked us before they cut down the trees.",
        "社區的公共空間怎麼用，應該讓居民一起討論決定。2024年",
        "",
        "car park fee 停车 费。物业 公司",
    ]
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in itertools.islice(csv.DictReader(handle), 300)]
    for text in texts:
        tokens = default_tagger.tokens(to_simplified(text).casefold())
        themes = default_tagger.strong_themes(tokens)
        slow_index, slow_vec = model.vectorise(model.features(tokens, themes))
        fast_index, fast_vec = model.vectorise_tokens(tokens, themes)
        # The same features in the same order (first seen first), so the same sums.
        assert fast_index.tolist() == slow_index.tolist()
        assert fast_vec.tolist() == slow_vec.tolist()


def test_a_huge_answer_is_tagged(default_tagger: Tagger) -> None:
    """A 30,000-character answer is tagged; keywords are found to its very end."""
    text = "物业费的账目从来不公开。" + "今天天气不错。" * 4000 + "停车位太少"
    tags = {t.id: t for t in default_tagger.tag(text)}
    assert "停车位" in tags["parking"].evidence
    assert all(0.0 <= t.score <= 1.0 for t in tags.values())


def test_tagging_imports_neither_the_trainer_nor_scikit_learn() -> None:
    """nlp.tagger loads the model from nlp.model; nlp.learn (and sklearn) stay unimported."""
    probe = (
        "import sys, nlp.tagger, nlp.model; "
        "print(sorted(m for m in ('nlp.learn', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.stdout.strip() == "[]"


def test_scoring_a_batch_gives_each_texts_own_numbers(
    default_tagger: Tagger, taxonomy: Taxonomy
) -> None:
    """score_many gives, to the last bit, what vectorise_tokens and predict_vector give each
    text alone: for the shipped multi-label model and a learned single-label one, on dev
    messages, an empty text and a text no feature of the model knows."""
    texts = ["", "zzzz qqqq", "物业费收了这么多年，账目从来没有公开过。问了也没人回！"]
    if DEV_CSV.exists():
        with DEV_CSV.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in itertools.islice(csv.DictReader(handle), 200)]
    learned = train([("停车位太少了", "parking"), ("垃圾没人清运", "waste_sorting")], taxonomy)
    themes = len(learned.themes)
    without_none = LearnedModel(  # as `minyi learn` wrote them before the no-theme class
        labels=learned.themes,
        vocabulary=list(learned.vocabulary),
        idf=learned.idf,
        coef=learned.coef[:themes],
        intercept=learned.intercept[:themes],
        uses_keywords=True,
        char_ngrams=learned.char_ngrams,
        ascii_pieces=False,
    )
    for model in (default_tagger.principle_model, learned, without_none):
        assert model is not None
        documents = []
        for text in texts:
            tokens = default_tagger.tokens(to_simplified(text).casefold())
            documents.append((tokens, default_tagger.strong_themes(tokens)))
        batch = model.score_many(documents)
        for (tokens, themes), ((index, vec), probabilities) in zip(documents, batch, strict=True):
            alone_index, alone_vec = model.vectorise_tokens(tokens, themes)
            assert index.tolist() == alone_index.tolist()
            assert vec.tolist() == alone_vec.tolist()
            assert probabilities == model.predict_vector((alone_index, alone_vec))
        assert model.score_many([]) == []


def _weighed_most_by_definition(
    model: LearnedModel, vector: tuple[object, object], label: str, limit: int = 3
) -> list[str]:
    """The words that pushed `label` up the most, straight from the definition: every feature's
    contribution, all of them sorted (stable), the positive ones read as words in that order,
    marks and single characters skipped, a piece of a word already shown left out."""
    import numpy as np

    from nlp.model import _shown

    index, vec = vector
    contribution = np.asarray(vec) * model.coef[model.labels.index(label), np.asarray(index)]
    order = np.argsort(-contribution, kind="stable")
    features = list(model.vocabulary)
    shown: list[str] = []
    for position in order:
        if contribution[position] <= 0:
            break
        word = _shown(features[int(np.asarray(index)[position])])
        if word is not None and not any(word in seen or seen in word for seen in shown):
            shown.append(word)
            if len(shown) >= limit:
                break
    return shown


def test_weighed_most_is_the_definition_on_the_training_answers(tagger: Tagger) -> None:
    """`weighed_most` (marks and single characters left out before sorting) names the same
    words, in the same order, as the plain definition, for every principle of 300 answers."""
    model = default_principle_model()
    assert model is not None
    with ANSWERS_CSV.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in itertools.islice(csv.DictReader(handle), 300)]
    compared = 0
    for text in texts:
        vector = model.vectorise_tokens(tagger.tokens(normalise(text)))
        for label in model.themes:
            for limit in (1, 3, 6):
                assert model.weighed_most(vector, label, limit) == _weighed_most_by_definition(
                    model, vector, label, limit
                ), (text, label, limit)
                compared += 1
    assert compared == 300 * len(model.themes) * 3
