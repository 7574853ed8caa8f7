"""Learning from organisers' labelled examples (SPEC §4, `minyi learn`).

A linear model learns one score per labelled theme: TF-IDF over jieba words, word pairs, the
words of the first sentence (marked apart) and character 1–3-grams (which catch words jieba
splits and unseen names), then a linear SVM from scikit-learn. Its decision values become
probabilities by a softmax. Tagging blends them with the keyword scores; the keyword evidence
is still what `ThemeTag.evidence` shows.

The model is stored as a NumPy `.npz` archive of plain arrays plus a JSON header and loaded with
`allow_pickle=False`, so a model file from a deployment's data directory cannot run code.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.normalise import normalise
from nlp.taxonomy import Taxonomy

FORMAT = "minyi-learned-model"
VERSION = 1

_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_DIGITS = re.compile(r"^[\d.%]+$")


_HEAD_END = frozenset("。！？!?\n")
_CHAR_NGRAMS = (1, 2, 3)


def features(tokens: Sequence[str]) -> Counter[str]:
    """Model features of one tokenised, normalised text.

    Words and adjacent word pairs (punctuation and numbers dropped), the first sentence's words
    again with a "T:" mark (a title or opening line says most about the topic), and character
    n-grams with a "#" mark over the text without spaces and digits.
    """
    words: list[str] = []
    head: list[str] = []
    in_head = True
    for token in tokens:
        if in_head and token in _HEAD_END:
            in_head = False
        if _WORDLIKE.search(token) and not _DIGITS.match(token):
            words.append(token)
            if in_head:
                head.append(token)
    counts: Counter[str] = Counter(words)
    counts.update(a + " " + b for a, b in itertools.pairwise(words))
    counts.update("T:" + w for w in head)
    chars = "".join(words)
    for n in _CHAR_NGRAMS:
        counts.update("#" + chars[i : i + n] for i in range(len(chars) - n + 1))
    return counts


class LearnedModel:
    """A trained linear model over TF-IDF features, one row of weights per theme."""

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: npt.NDArray[np.float64],
        coef: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
        weight: float = 0.7,
        temperature: float = 3.0,
    ) -> None:
        if coef.shape != (len(labels), len(vocabulary)):
            raise ValueError("model weights do not match its labels and vocabulary")
        self.labels: list[str] = list(labels)
        self.vocabulary: dict[str, int] = {w: i for i, w in enumerate(vocabulary)}
        self.idf = idf
        self.coef = coef
        self._coef_by_feature = np.ascontiguousarray(coef.T)
        self.intercept = intercept
        #: share of the learned probability in a combined score (the rest is keywords).
        self.weight = weight
        #: scale of the decision values before the softmax that makes them probabilities.
        self.temperature = temperature

    def check_compatible(self, taxonomy: Taxonomy) -> None:
        """Raise ValueError naming any learned theme the taxonomy no longer has."""
        missing = [label for label in self.labels if taxonomy.get(label) is None]
        if missing:
            raise ValueError(
                "learned model refers to themes missing from the taxonomy: " + ", ".join(missing)
            )

    def predict_tokens(self, tokens: Sequence[str]) -> dict[str, float]:
        """Probability per learned theme id for one tokenised text."""
        counts = features(tokens)
        lookup = self.vocabulary.get
        pairs = [(column, n) for f, n in counts.items() if (column := lookup(f)) is not None]
        logits = self.intercept.copy()
        if pairs:
            index = np.fromiter((c for c, _ in pairs), dtype=np.intp, count=len(pairs))
            tf = np.fromiter((n for _, n in pairs), dtype=np.float64, count=len(pairs))
            vec = (1.0 + np.log(tf)) * self.idf[index]
            vec /= float(np.linalg.norm(vec)) or 1.0
            # Weights are kept feature-major, so one text's rows are a cheap gather.
            logits = logits + vec @ self._coef_by_feature[index]
        logits = logits * self.temperature
        logits -= logits.max()
        probs = np.exp(logits)
        probs /= probs.sum()
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}

    def combine(self, keyword: dict[str, float], learned: dict[str, float]) -> dict[str, float]:
        """Blend keyword scores with learned probabilities for the themes the model knows."""
        combined = dict(keyword)
        for label, prob in learned.items():
            combined[label] = self.weight * prob + (1.0 - self.weight) * keyword.get(label, 0.0)
        return combined

    def to_bytes(self) -> bytes:
        """Serialise to an .npz archive of plain arrays (no pickle)."""
        header = {
            "format": FORMAT,
            "version": VERSION,
            "weight": self.weight,
            "temperature": self.temperature,
        }
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.array(json.dumps(header)),
            labels=np.array(self.labels, dtype=np.str_),
            vocabulary=np.array(vocab, dtype=np.str_),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept,
        )
        return buffer.getvalue()

    def save(self, path: Path) -> None:
        """Write the model to a file atomically (a crash never leaves half a model)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(self.to_bytes())
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> LearnedModel:
        """Read a model written by `save`; ValueError if the file is not one."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read learned model {path}: {exc.strerror}") from exc
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnedModel:
        """Load a model written by `to_bytes`; ValueError if it is not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header: dict[str, Any] = json.loads(str(archive["header"]))
                if header.get("format") != FORMAT or header.get("version") != VERSION:
                    raise ValueError("not a Minyi learned model (or an unsupported version)")
                return cls(
                    labels=[str(x) for x in archive["labels"]],
                    vocabulary=[str(x) for x in archive["vocabulary"]],
                    idf=np.asarray(archive["idf"], dtype=np.float64),
                    coef=np.asarray(archive["coef"], dtype=np.float64),
                    intercept=np.asarray(archive["intercept"], dtype=np.float64),
                    weight=float(header.get("weight", 0.7)),
                    temperature=float(header.get("temperature", 3.0)),
                )
        except (OSError, KeyError, json.JSONDecodeError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"cannot read learned model: {exc}") from exc


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

    from nlp.tagger import Tagger

    labels = resolve_labels([label for _, label in examples], taxonomy)
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise ValueError("need labelled examples of at least two themes to learn")
    tagger = Tagger(taxonomy)
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
