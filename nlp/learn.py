"""Training models from labelled examples (SPEC §4, `minyi learn`, the shipped principle model).

`train` learns a deployment's single-label model: TF-IDF over the features of `nlp.model`, then
a linear SVM from scikit-learn, whose decision values become probabilities by a softmax.
`train_multilabel` learns the shipped principle model: one logistic regression per theme over
the same features plus the taxonomy's keyword hits, with a threshold per theme chosen by
cross-validation on the training examples only. The models themselves live in `nlp.model`
(re-exported here for callers of the old name); this module needs scikit-learn, tagging does
not.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.model import LearnedModel, features
from nlp.normalise import normalise
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

__all__ = [
    "LearnedModel",
    "choose_threshold",
    "features",
    "resolve_labels",
    "train",
    "train_multilabel",
]

# Character pieces of the principle model: pairs carry most of what 1- and 3-grams add
# (5-fold CV on the training answers: macro F1 0.801 against 0.807 with 1-3) at a third of
# the lookups, which keeps tagging near plain jieba's speed.
MULTILABEL_CHAR_NGRAMS = (2,)

# Thresholds a multi-label model may use: below 0.2 almost anything would be tagged, above 0.8
# the model would hardly ever speak.
_THRESHOLDS = [round(0.2 + 0.025 * i, 3) for i in range(25)]


def resolve_labels(labels: Iterable[str], taxonomy: Taxonomy) -> list[str]:
    """Map each label (theme id or name_zh) to a theme id; ValueError names unknown labels."""
    resolved: list[str] = []
    unknown: list[str] = []
    for label in labels:
        theme = taxonomy.get(label.strip())
        if theme is None:
            if label not in unknown:
                unknown.append(label)
        else:
            resolved.append(theme.id)
    if unknown:
        raise ValueError("unknown theme label(s): " + ", ".join(repr(u) for u in unknown))
    return resolved


def train(
    examples: Sequence[tuple[str, str]],
    taxonomy: Taxonomy,
    c: float = 1.0,
    advance: Callable[[int], None] | None = None,
) -> LearnedModel:
    """Train a model from (text, label) pairs; label = theme id or name_zh. `advance(n)` is
    told of each n texts segmented (segmenting is most of the time; the fit is seconds)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    labels = resolve_labels([label for _, label in examples], taxonomy)
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise ValueError("need labelled examples of at least two themes to learn")
    tagger = Tagger(taxonomy, principle_model=None)
    docs = []
    for text, _ in examples:
        docs.append(features(tagger.tokens(normalise(text))))
        if advance is not None:
            advance(1)
    vectoriser = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=1 if len(docs) < 2000 else 2
    )
    matrix = vectoriser.fit_transform(docs)
    classifier = LinearSVC(C=c)
    classifier.fit(matrix, labels)
    coef = np.asarray(classifier.coef_, dtype=np.float64)
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: sklearn keeps one row, for the second class
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    vocab = vectoriser.get_feature_names_out()
    return LearnedModel(
        labels=[str(x) for x in classifier.classes_],
        vocabulary=[str(x) for x in vocab],
        idf=np.asarray(vectoriser.idf_, dtype=np.float64),
        coef=coef,
        intercept=intercept,
    )


def _identity(counts: Counter[str]) -> list[str]:
    return list(counts.elements())


def _keyword_features(
    tagger: Tagger, texts: Sequence[str], char_ngrams: Sequence[int] = MULTILABEL_CHAR_NGRAMS
) -> list[Counter[str]]:
    """Features of each text with the taxonomy's keyword hits, as tagging computes them."""
    docs: list[Counter[str]] = []
    for text in texts:
        tokens = tagger.tokens(normalise(text))
        docs.append(features(tokens, tagger.strong_themes(tokens), char_ngrams))
    return docs


def _fit(
    docs: Sequence[Counter[str]], targets: npt.NDArray[np.int_], c: float
) -> tuple[Any, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A TF-IDF vectoriser and one logistic regression per column of `targets`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2)
    matrix = vectoriser.fit_transform(docs)
    coef = np.zeros((targets.shape[1], matrix.shape[1]))
    intercept = np.zeros(targets.shape[1])
    for column in range(targets.shape[1]):
        y = targets[:, column]
        if y.min() == y.max():  # a theme with no (or only) examples: never (always) scored
            intercept[column] = 20.0 if y.min() else -20.0
            continue
        classifier = LogisticRegression(
            C=c, solver="liblinear", class_weight="balanced", random_state=0
        )
        classifier.fit(matrix, y)
        coef[column] = classifier.coef_[0]
        intercept[column] = classifier.intercept_[0]
    return vectoriser, coef, intercept


def choose_threshold(probs: Sequence[float], gold: Sequence[bool], min_precision: float) -> float:
    """The threshold with the best F1 among those reaching `min_precision` (else best F1)."""
    best: tuple[bool, float, float] = (False, -1.0, 0.5)
    for threshold in _THRESHOLDS:
        tp = sum(1 for p, g in zip(probs, gold, strict=True) if g and p >= threshold)
        predicted = sum(1 for p in probs if p >= threshold)
        actual = sum(gold)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        candidate = (precision >= min_precision, f1, threshold)
        if candidate[:2] > best[:2]:
            best = candidate
    return best[2]


def train_multilabel(
    examples: Sequence[tuple[str, Sequence[str]]],
    taxonomy: Taxonomy,
    labels: Sequence[str],
    c: float = 8.0,
    folds: int = 5,
    seed: int = 0,
    min_precision: float = 0.8,
) -> LearnedModel:
    """Train a multi-label model: one logistic score per theme in `labels`, thresholds by CV.

    Each example has zero or more labels (theme ids); an example with none of `labels` (e.g.
    labelled "none") teaches every theme what it is not. Thresholds are chosen from
    out-of-fold scores of `folds`-fold cross-validation over these examples only, so a held-out
    set stays untouched. Deterministic for a given seed.
    """
    wanted = list(labels)
    for label in wanted:
        if taxonomy.get(label) is None:
            raise ValueError(f"unknown theme label: {label!r}")
    if len(examples) < 2 * folds:
        raise ValueError(f"need at least {2 * folds} examples to train a multi-label model")
    tagger = Tagger(taxonomy, principle_model=None)
    docs = _keyword_features(tagger, [text for text, _ in examples])
    targets = np.array([[int(label in set(ls)) for label in wanted] for _, ls in examples])
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    out_of_fold = np.zeros(targets.shape)
    for fold in range(folds):
        held = order[fold::folds]
        held_set = set(held)
        kept = [i for i in range(len(examples)) if i not in held_set]
        vectoriser, coef, intercept = _fit([docs[i] for i in kept], targets[kept], c)
        logits = vectoriser.transform([docs[i] for i in held]) @ coef.T + intercept
        out_of_fold[held] = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
    thresholds = [
        choose_threshold(
            out_of_fold[:, j].tolist(), [bool(x) for x in targets[:, j]], min_precision
        )
        for j in range(len(wanted))
    ]
    vectoriser, coef, intercept = _fit(docs, targets, c)
    return LearnedModel(
        labels=wanted,
        vocabulary=[str(x) for x in vectoriser.get_feature_names_out()],
        idf=np.asarray(vectoriser.idf_, dtype=np.float64),
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        uses_keywords=True,
        char_ngrams=MULTILABEL_CHAR_NGRAMS,
    )
