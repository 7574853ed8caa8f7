"""Training models from labelled examples (SPEC §4, `minyi learn`, the shipped principle model).

`train` learns a deployment's single-label model: TF-IDF over the features of `nlp.model` (with
the taxonomy's keyword hits), then a class-weighted linear SVM from scikit-learn whose C is
chosen by cross-validation inside the training examples; its decision values become
probabilities by a softmax. Beside the themes it learns a no-theme class (`NO_THEME`) from
the shipped neutral answers (greetings, thanks, logistics: `nlp/data/neutral_answers.csv`)
and the file's own `none` rows: without it, a model of a few themes must give every answer
one of them (two themes: anything at all scored 0.5 or more for one).
`train_multilabel` learns the shipped principle model: one logistic regression per theme over
the same features plus the taxonomy's keyword hits, with a threshold per theme chosen by
cross-validation on the training examples only, and the same no-theme row as `train`'s
(`_no_theme_row`, from the same neutral answers and the examples with no principle). The
models themselves live in `nlp.model` (re-exported here for callers of the old name); this
module needs scikit-learn, tagging does not.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.model import NO_THEME, LearnedModel, features
from nlp.normalise import normalise
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

__all__ = [
    "LearnedModel",
    "choose_c",
    "choose_threshold",
    "choose_thresholds",
    "features",
    "neutral_answers",
    "resolve_labels",
    "stratified_folds",
    "train",
    "train_multilabel",
]

# A deployment's single-label (domain) model. `minyi evaluate --cv 5 --seed 0` on the 5,448
# dev-set citizen messages (7 first-level categories) gave macro-F1 0.913 with the earlier
# learner (character 1-3-grams, C = 1, no keyword features, unweighted classes). Each change,
# on those same 5 folds with the tagger's keyword blend: C = 4 0.920, and character 1-2-grams
# 0.9205 (a third fewer features), keyword features 0.920, balanced class weights 0.922. These
# feature choices were made on the dev set; only C is chosen per training set (inner CV).
SINGLE_LABEL_CHAR_NGRAMS = (1, 2)
# The SVM's C is chosen from these by INNER_FOLDS-fold CV over the training examples.
C_GRID = (1.0, 2.0, 4.0, 8.0)
INNER_FOLDS = 3
# C for a set too small to split into INNER_FOLDS folds per theme (what `train` always used).
DEFAULT_C = 1.0
# From this many training examples on, features seen in only one are dropped.
MIN_DF_FROM = 2000
# Iterations of the no-theme row's solver: liblinear's default 1,000 did not converge on half
# the dev set (2,714 messages against the neutral answers); 5,000 did (4 s more of 22).
NO_THEME_MAX_ITER = 5000

# Character pieces of the principle model: single characters and pairs. Nested 5-fold CV on the
# training answers (weak keywords and thresholds chosen inside each fold, precision floor 0.85):
# macro P 0.853, R 0.756, F1 0.800 with 1- and 2-grams against P 0.857, R 0.731, F1 0.787 with
# pairs alone; single characters keep recall when the thresholds are set for precision.
MULTILABEL_CHAR_NGRAMS = (1, 2)
# The precision the thresholds are chosen for (on out-of-fold scores). Above the 0.75 wanted on
# unseen answers: cross-validated precision overstates it, because the keyword lists were
# written from these same training answers.
MIN_PRECISION = 0.85

# Thresholds a multi-label model may use: below 0.2 almost anything would be tagged, above 0.8
# the model would hardly ever speak.
_THRESHOLDS = [round(0.2 + 0.025 * i, 3) for i in range(25)]
# An answer whose taxonomy keywords point to the theme may be tagged from a lower probability:
# the keyword is evidence a reader can check. These are the lower thresholds it may use.
_KEYWORD_THRESHOLDS = [0.1, 0.15, *_THRESHOLDS]
# Out-of-fold F1 differences below this are noise (a handful of answers). Nested 5-fold CV
# on the training answers: macro P 0.858, R 0.744, F1 0.796 with it, P 0.857, R 0.741, F1
# 0.794 taking the best F1 alone.
F1_TOLERANCE = 0.02


# A label saying the text has none of the themes (as in a `text,labels` file).
NONE_LABEL = "none"
# Every way a label says so: `none`, or the models' own name for it (`NO_THEME`), in any case.
_NONE_LABELS = frozenset({NONE_LABEL, NO_THEME.casefold()})


def is_none_label(label: str) -> bool:
    """Whether a label (of a labelled file, or given to learning) says "no theme": the one rule
    for every reader of labels (`resolve_labels`, bot/core/tagging.py's file readers)."""
    return label.strip().casefold() in _NONE_LABELS


@cache
def neutral_answers() -> tuple[str, ...]:
    """The shipped answers with no theme (`nlp/data/neutral_answers.csv`): what residents write
    beside their views (greetings, thanks, "收到", when is the meeting), written for this
    project. `train` learns its no-theme class from them."""
    path = resources.files("nlp") / "data" / "neutral_answers.csv"
    with path.open(encoding="utf-8") as handle:
        return tuple(row["text"].strip() for row in csv.DictReader(handle) if row["text"].strip())


def resolve_labels(labels: Iterable[str], taxonomy: Taxonomy) -> list[str]:
    """Map each label (theme id or name_zh) to a theme id, and `none` (`is_none_label`) to
    `NO_THEME`; ValueError names unknown labels."""
    resolved: list[str] = []
    unknown: list[str] = []
    for label in labels:
        if is_none_label(label):
            resolved.append(NO_THEME)
            continue
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
    c: float | None = None,
    advance: Callable[[int], None] | None = None,
    seed: int = 0,
) -> LearnedModel:
    """Train a model from (text, label) pairs; label = theme id or name_zh, or `none` for a
    text with no theme. `advance(n)` is told of each n texts segmented (segmenting is most of
    the time of a small set).

    The model's last label is `NO_THEME`: a row that tells the `none` rows and the shipped
    `neutral_answers` (a text the file labels takes the file's word) from the rows with a
    theme; the themes' rows learn from the latter only, as they did before it.

    Features: `SINGLE_LABEL_CHAR_NGRAMS` character pieces beside the words, and the taxonomy's
    keyword hits (so the model learns how far to trust each theme's keywords); classes weighed
    by their inverse frequency. The SVM's C is `c` if given, else chosen by `INNER_FOLDS`-fold
    cross-validation over these examples only (`choose_c`), so an evaluation that trains on
    its training folds never tunes on its test fold. Deterministic for a given seed.
    """
    labels = resolve_labels([label for _, label in examples], taxonomy)
    if len(set(labels) - {NO_THEME}) < 2:
        raise ValueError("need labelled examples of at least two themes to learn")
    given = {text for text, _ in examples}
    neutral = [text for text in neutral_answers() if text not in given]
    tagger = Tagger(taxonomy, principle_model=None)
    docs = []
    for number, text in enumerate([*(text for text, _ in examples), *neutral]):
        tokens = tagger.tokens(normalise(text))
        docs.append(
            features(
                tokens, tagger.strong_themes(tokens), SINGLE_LABEL_CHAR_NGRAMS, ascii_pieces=False
            )
        )
        if advance is not None and number < len(examples):
            advance(1)
    target = np.array(labels + [NO_THEME] * len(neutral))
    themed = np.flatnonzero(target != NO_THEME)
    if c is None:
        c = choose_c(_CountMatrix([docs[i] for i in themed]), target[themed], seed)
    counts = _CountMatrix(docs)
    tfidf = counts.tfidf(np.arange(len(docs)))
    matrix = tfidf.transform(np.arange(len(docs)))
    # The themes among themselves, as without the no-theme row; then that row: answers with
    # no theme against answers with one (a theme's row never learns from the neutral answers,
    # so a text about the themes scores as it would without them).
    classifier = _svm(c).fit(matrix[themed], target[themed])
    coef = np.asarray(classifier.coef_, dtype=np.float64)
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: sklearn keeps one row, for the second class
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    none_coef, none_intercept = _no_theme_row(matrix, target == NO_THEME, c)
    return LearnedModel(
        labels=[*(str(x) for x in classifier.classes_), NO_THEME],
        vocabulary=[counts.names[i] for i in tfidf.columns.tolist()],
        idf=tfidf.idf,
        coef=np.vstack([coef, none_coef]),
        intercept=np.append(intercept, none_intercept),
        uses_keywords=True,
        char_ngrams=SINGLE_LABEL_CHAR_NGRAMS,
        ascii_pieces=False,
    )


def _svm(c: float, max_iter: int = 1000) -> Any:
    from sklearn.svm import LinearSVC

    # Its dual solver shuffles the examples: with its own seed, not NumPy's global one, so the
    # same examples give the same weights in every process.
    return LinearSVC(C=c, class_weight="balanced", max_iter=max_iter, random_state=0)


def _no_theme_row(
    matrix: Any, none: npt.NDArray[np.bool_], c: float
) -> tuple[npt.NDArray[np.float64], float]:
    """The weights and intercept of a model's no-theme row (`NO_THEME`): a linear SVM telling
    the rows of `matrix` (TF-IDF, one per example) marked in `none` (answers with no theme)
    from the others. Its decision value, through a logistic, is the no-theme probability."""
    if none.all():  # nothing with a theme to tell apart: every text has none
        return np.zeros(matrix.shape[1]), 20.0
    svm = _svm(c, NO_THEME_MAX_ITER).fit(matrix, none.astype(np.int_))
    return np.asarray(svm.coef_[0], dtype=np.float64), float(svm.intercept_[0])


def choose_c(counts: _CountMatrix, target: npt.NDArray[np.str_], seed: int = 0) -> float:
    """The C of `C_GRID` with the best macro-F1 over `INNER_FOLDS`-fold cross-validation on
    these examples (each fold's TF-IDF fitted on its own training part); ties and sets too
    small to split (a theme with fewer examples than folds) take the smaller C, and such a
    set `DEFAULT_C`."""
    if min(Counter(target.tolist()).values()) < INNER_FOLDS:
        return DEFAULT_C
    folds = stratified_folds(target.tolist(), INNER_FOLDS, seed)
    predicted = {c: np.empty(len(target), dtype=target.dtype) for c in C_GRID}
    for held in folds:
        held_array = np.array(held)
        kept = np.setdiff1d(np.arange(len(target)), held_array)
        tfidf = counts.tfidf(kept)
        train_x, held_x = tfidf.transform(kept), tfidf.transform(held_array)
        for c in C_GRID:
            classifier = _svm(c).fit(train_x, target[kept])
            predicted[c][held_array] = classifier.predict(held_x)
    classes = sorted(set(target.tolist()))
    scored = [(_macro_f1(target, predicted[c], classes), -c) for c in C_GRID]
    return -max(scored)[1]


def _macro_f1(
    gold: npt.NDArray[np.str_], predicted: npt.NDArray[np.str_], classes: Sequence[str]
) -> float:
    total = 0.0
    for label in classes:
        tp = int(((gold == label) & (predicted == label)).sum())
        n_predicted, n_gold = int((predicted == label).sum()), int((gold == label).sum())
        total += 2 * tp / (n_predicted + n_gold) if n_predicted + n_gold else 0.0
    return total / len(classes)


def stratified_folds(labels: Sequence[str], k: int, seed: int) -> list[list[int]]:
    """k folds with each label's items dealt round-robin after a seeded shuffle."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    offset = 0
    for label in sorted(by_label):
        items = by_label[label]
        rng.shuffle(items)
        for j, index in enumerate(items):
            folds[(j + offset) % k].append(index)
        offset += len(items)
    return folds


class _Tfidf:
    """TF-IDF as `LearnedModel.vectorise` computes it (1 + log tf, smooth idf, L2 norm), over
    the columns of a `_CountMatrix` that occur in at least `min_df` of the fitted rows."""

    def __init__(self, counts: _CountMatrix, rows: npt.NDArray[np.intp]) -> None:
        fitted = counts.matrix[rows]
        df = np.bincount(fitted.indices, minlength=fitted.shape[1])
        # A large set drops the features seen once: mostly typos and one-off names.
        min_df = 1 if len(rows) < MIN_DF_FROM else 2
        self.columns = np.flatnonzero(df >= min_df)
        self.idf = np.log((1.0 + len(rows)) / (1.0 + df[self.columns])) + 1.0
        self._counts = counts

    def transform(self, rows: npt.NDArray[np.intp]) -> Any:
        from sklearn.preprocessing import normalize

        matrix = self._counts.matrix[rows][:, self.columns].tocsr()
        matrix.data = 1.0 + np.log(matrix.data)
        matrix = matrix.multiply(self.idf.reshape(1, -1)).tocsr()
        return normalize(matrix, norm="l2", copy=False)


class _CountMatrix:
    """Feature counts of every example as one sparse matrix, built once: cross-validation
    then selects rows and columns instead of counting the features again."""

    def __init__(self, docs: Sequence[Counter[str]]) -> None:
        from scipy.sparse import csr_matrix

        columns: dict[str, int] = {}
        indices: list[int] = []
        data: list[int] = []
        pointers = [0]
        for doc in docs:
            for feature, n in doc.items():
                indices.append(columns.setdefault(feature, len(columns)))
                data.append(n)
            pointers.append(len(indices))
        self.names = list(columns)
        self.matrix = csr_matrix(
            (np.array(data, dtype=np.float64), np.array(indices), np.array(pointers)),
            shape=(len(docs), len(columns)),
        )

    def tfidf(self, rows: npt.NDArray[np.intp]) -> _Tfidf:
        """TF-IDF fitted on these rows."""
        return _Tfidf(self, rows)


def _identity(counts: Counter[str]) -> list[str]:
    return list(counts.elements())


def _keyword_features(
    tagger: Tagger, texts: Sequence[str], char_ngrams: Sequence[int] = MULTILABEL_CHAR_NGRAMS
) -> tuple[list[Counter[str]], list[list[str]]]:
    """Features of each text with the taxonomy's keyword hits, as tagging computes them, and
    the themes those keywords point to."""
    docs: list[Counter[str]] = []
    strong: list[list[str]] = []
    for text in texts:
        tokens = tagger.tokens(normalise(text))
        themes = tagger.strong_themes(tokens)
        docs.append(features(tokens, themes, char_ngrams, ascii_pieces=False))
        strong.append(themes)
    return docs, strong


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


def choose_thresholds(
    probs: Sequence[float],
    gold: Sequence[bool],
    backed: Sequence[bool],
    min_precision: float,
) -> tuple[float, float]:
    """The (threshold, keyword threshold) pair for the rule tagging applies: an answer whose
    keywords point to the theme (`backed`) is tagged from the keyword threshold, any other from
    the threshold. Chosen together, so keyword evidence cannot undo the precision floor.

    Among the pairs reaching `min_precision` (all pairs if none does), those within
    `F1_TOLERANCE` of the best F1 are as good as the scores can tell; of them, the lowest
    keyword threshold (keyword evidence a reader can check is kept unless the model is sure it
    is not meant), then the best F1. Without the tolerance, the keyword threshold jumped
    between 0.1 and 0.5 from one rebuild to the next for an F1 difference of 0.002.
    """
    p = np.asarray(probs, dtype=np.float64)
    g = np.asarray(gold, dtype=bool)
    k = np.asarray(backed, dtype=bool)
    actual = int(g.sum())
    scored: list[tuple[bool, float, float, float]] = []
    for threshold in _THRESHOLDS:
        for keyword_threshold in _KEYWORD_THRESHOLDS:
            if keyword_threshold > threshold:
                break
            predicted = np.where(k, p >= keyword_threshold, p >= threshold)
            tp = int((predicted & g).sum())
            n_predicted = int(predicted.sum())
            precision = tp / n_predicted if n_predicted else 0.0
            recall = tp / actual if actual else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            scored.append((precision >= min_precision, f1, threshold, keyword_threshold))
    usable = [x for x in scored if x[0]] or scored
    best = max(f1 for _, f1, _, _ in usable)
    near = [x for x in usable if x[1] >= best - F1_TOLERANCE]
    _, _, threshold, keyword_threshold = min(near, key=lambda x: (x[3], -x[1], x[2]))
    return threshold, keyword_threshold


def train_multilabel(
    examples: Sequence[tuple[str, Sequence[str]]],
    taxonomy: Taxonomy,
    labels: Sequence[str],
    c: float = 8.0,
    folds: int = 5,
    seed: int = 0,
    min_precision: float = MIN_PRECISION,
    no_theme: bool = True,
) -> LearnedModel:
    """Train a multi-label model: one logistic score per theme in `labels`, thresholds by CV.

    Each example has zero or more labels (theme ids); an example with none of `labels` (e.g.
    labelled "none") teaches every theme what it is not. Two thresholds per theme (one for
    answers whose keywords point to it, see `choose_thresholds`) are chosen from out-of-fold
    scores of `folds`-fold cross-validation over these examples only, so a held-out set stays
    untouched. With `no_theme`, the model's last label is `NO_THEME`, a row learned as
    `train` learns it (the examples with none of `labels` and the shipped `neutral_answers`
    against the others, C = `c`), so that chatter far from every example is not handed the
    nearest theme; the themes' rows and thresholds are the same with it and without.
    Deterministic for a given seed.
    """
    wanted = list(labels)
    for label in wanted:
        if taxonomy.get(label) is None:
            raise ValueError(f"unknown theme label: {label!r}")
    if len(examples) < 2 * folds:
        raise ValueError(f"need at least {2 * folds} examples to train a multi-label model")
    tagger = Tagger(taxonomy, principle_model=None)
    docs, strong = _keyword_features(tagger, [text for text, _ in examples])
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
    pairs = [
        choose_thresholds(
            out_of_fold[:, j].tolist(),
            [bool(x) for x in targets[:, j]],
            [label in themes for themes in strong],
            min_precision,
        )
        for j, label in enumerate(wanted)
    ]
    vectoriser, coef, intercept = _fit(docs, targets, c)
    labels_out = wanted
    if no_theme:
        # As `train` learns it: the answers with none of `labels` and the shipped neutral
        # answers against the others, over the same features; the themes' rows above never
        # see the neutral answers, so an answer's principle scores are what they were.
        given = {text for text, _ in examples}
        neutral = [text for text in neutral_answers() if text not in given]
        neutral_docs, _ = _keyword_features(tagger, neutral)
        none = np.concatenate([~targets.any(axis=1), np.ones(len(neutral), dtype=bool)])
        none_coef, none_intercept = _no_theme_row(
            vectoriser.transform([*docs, *neutral_docs]), none, c
        )
        labels_out = [*wanted, NO_THEME]
        coef = np.vstack([coef, none_coef])
        intercept = np.append(intercept, none_intercept)
    return LearnedModel(
        labels=labels_out,
        vocabulary=[str(x) for x in vectoriser.get_feature_names_out()],
        idf=np.asarray(vectoriser.idf_, dtype=np.float64),
        coef=coef,
        intercept=intercept,
        thresholds=[t for t, _ in pairs],
        keyword_thresholds=[k for _, k in pairs],
        uses_keywords=True,
        char_ngrams=MULTILABEL_CHAR_NGRAMS,
        ascii_pieces=False,
    )
