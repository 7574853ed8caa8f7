"""A linear model over TF-IDF features, stored as plain arrays (SPEC §4, learning).

Two kinds share one format:

- a *single-label* model (what `minyi learn` trains for a deployment): one row of weights per
  theme, decision values turned into probabilities by a softmax over the themes; since
  version 4 also a row that tells answers with none of them from answers with one
  (`NO_THEME`), whose decision value, through a logistic, says how likely the answer has no
  theme at all, so that an answer far from every learned theme is not handed the nearest one;
- a *multi-label* model (the shipped principle model, `nlp/data/principles_model.npz`): one
  independent logistic score per theme and a threshold per theme, so an answer can carry two
  principles or none; since version 4 it may have the no-theme row too (the principle model
  does), scored as a single-label model's.

Features are jieba words, adjacent word pairs, the words of the first sentence (marked apart),
character 1–3-grams (which catch words jieba splits and unseen wording) and, when the caller
passes them, the taxonomy's keyword hits per theme (so the model learns how far to trust them).

A model is a NumPy `.npz` archive of plain arrays plus a JSON header, loaded with
`allow_pickle=False`: a model file from a deployment's data directory cannot run code. This
module imports neither the tagger nor the trainer (`nlp.learn`), so both can import it.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.taxonomy import Taxonomy

FORMAT = "minyi-learned-model"
VERSION = 1
# Version 2 adds the multi-label kind (sigmoid scores and per-theme thresholds); version 1
# files (single-label) still load.
MULTILABEL_VERSION = 2
# Version 3: a single-label model whose header says its features (keyword hits, character
# n-gram sizes), as `minyi learn` writes them since issue 15. A Minyi that only knows
# versions 1 and 2 refuses it ("unsupported version") instead of scoring it with the wrong
# features; a single-label model with version 1's features is still written as version 1.
FEATURES_VERSION = 3
# Version 4: a model of either kind with a no-theme class (`NO_THEME`) among its labels (its
# thresholds, if multi-label, are the themes' only). A Minyi that only knows versions 1-3
# refuses it instead of taking the class for a missing theme; one that knew version 4 for
# single-label models only refuses a multi-label one (its thresholds do not match its labels).
NONE_VERSION = 4
#: The label of the no-theme class: no theme id can be it (ids are lower-case words).
NO_THEME = "(none)"

_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_DIGITS = re.compile(r"^[\d.%]+$")
_HEAD_END = frozenset("。！？!?\n")
#: character n-gram sizes of a model that does not say (every version-1 model).
DEFAULT_CHAR_NGRAMS: tuple[int, ...] = (1, 2, 3)
# Keyword-hit features are marked so they can never collide with a word of the text.
KEYWORD_MARK = "K:"
# Features never shown as "the words that weighed most": single characters say too little.
_MIN_SHOWN_CHARS = 2
# A character piece that starts or ends with one of these straddles two words ("的意" of
# "的意见"): shown as evidence it reads as noise.
_GLUE = frozenset("的了是在和也就都又我你他她们这那有个")
# A file bigger than this is not a model we wrote (the shipped one is well under 1 MB).
_MAX_BYTES = 64 * 1024 * 1024
# The keyword threshold of a multi-label model written before they were chosen per theme: a
# theme its keywords point to was tagged from this probability (or its threshold, if lower).
LEGACY_KEYWORD_THRESHOLD = 0.2


def head_end(tokens: Sequence[str]) -> int:
    """The index of the token that ends the first sentence (len(tokens) if none does)."""
    ends = _HEAD_END.intersection(tokens)
    return min(map(tokens.index, ends)) if ends else len(tokens)


# Character pieces up to this size are looked up by their code points packed in 64 bits.
_MAX_KEYED_PIECE = 3


def _piece_key(piece: str) -> int:
    """A piece of up to three characters as one number (21 bits per code point)."""
    key = 0
    for char in piece:
        key = (key << 21) | ord(char)
    return key


class _WordCache(dict[str, bool]):
    """Whether a token counts as a word for the features (not punctuation, not a number)."""

    def __missing__(self, token: str) -> bool:
        word = self[token] = bool(_WORDLIKE.search(token)) and not _DIGITS.match(token)
        return word


_IS_WORD = _WordCache()
# Distinct tokens remembered at most (a few MB); the cache starts over when full.
_WORD_CACHE = 200_000


#: One text as a model sees it: the columns of its known features and their weights.
Vector = tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]


def features(
    tokens: Sequence[str],
    keyword_themes: Iterable[str] = (),
    char_ngrams: Sequence[int] = DEFAULT_CHAR_NGRAMS,
    ascii_pieces: bool = True,
) -> Counter[str]:
    """Model features of one tokenised, normalised text.

    Words and adjacent word pairs (punctuation and numbers dropped), the first sentence's words
    again with a "T:" mark (a title or opening line says most about the topic), character
    n-grams with a "#" mark over the text without spaces and digits (without the ASCII words
    unless `ascii_pieces`), and one "K:<theme>" feature per theme whose keywords matched.
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
    chars = "".join(words if ascii_pieces else _unspaced(words))
    for n in char_ngrams:
        counts.update("#" + chars[i : i + n] for i in range(len(chars) - n + 1))
    counts.update(KEYWORD_MARK + theme for theme in keyword_themes)
    return counts


def _unspaced(words: Sequence[str]) -> list[str]:
    """The words of a script written without spaces (Chinese): character pieces of English
    words ("op", "le" of "people") are noise the words themselves already say better."""
    return [w for w in words if not w.isascii()]


def _shown(feature: str) -> str | None:
    """How a feature reads as evidence ("#没人" → "没人"); None for marks and single chars."""
    if feature.startswith(KEYWORD_MARK):
        return None
    if feature.startswith("T:"):
        feature = feature[2:]
    elif feature.startswith("#"):
        feature = feature[1:]
        if feature[:1] in _GLUE or feature[-1:] in _GLUE:
            return None
    if " " in feature and not feature.isascii():
        feature = feature.replace(" ", "")
    return feature if len(feature) >= _MIN_SHOWN_CHARS else None


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
        thresholds: Sequence[float] | None = None,
        uses_keywords: bool = False,
        char_ngrams: Sequence[int] = DEFAULT_CHAR_NGRAMS,
        keyword_thresholds: Sequence[float] | None = None,
        ascii_pieces: bool = True,
    ) -> None:
        if coef.shape != (len(labels), len(vocabulary)):
            raise ValueError("model weights do not match its labels and vocabulary")
        if intercept.shape != (len(labels),) or idf.shape != (len(vocabulary),):
            raise ValueError("model arrays do not match its labels and vocabulary")
        themes = [label for label in labels if label != NO_THEME]
        if thresholds is not None and len(thresholds) != len(themes):
            raise ValueError("model thresholds do not match its labels")
        if keyword_thresholds is not None and (
            thresholds is None or len(keyword_thresholds) != len(themes)
        ):
            raise ValueError("model keyword thresholds do not match its labels")
        if not char_ngrams or any(not 1 <= n <= 5 for n in char_ngrams):
            raise ValueError("model character n-gram sizes must be between 1 and 5")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError("model weights are not finite numbers")
        self.labels: list[str] = list(labels)
        #: the column of the no-theme class, if the model has one.
        self._none = self.labels.index(NO_THEME) if NO_THEME in self.labels else None
        self._theme_columns = [i for i, label in enumerate(self.labels) if label != NO_THEME]
        self.vocabulary: dict[str, int] = {w: i for i, w in enumerate(vocabulary)}
        self._features = list(vocabulary)
        self._display_cache: tuple[list[str | None], npt.NDArray[np.bool_]] | None = None
        # Character pieces looked up without their "#" mark: tagging skips building the string.
        self._pieces = {f[1:]: i for i, f in enumerate(self._features) if f.startswith("#")}
        # Word pairs by their first word, and first-sentence words without their "T:" mark.
        self._pairs: dict[str, dict[str, int]] = {}
        for i, f in enumerate(self._features):
            if " " in f:
                first, second = f.split(" ", 1)
                self._pairs.setdefault(first, {})[second] = i
        self._titles = {f[2:]: i for i, f in enumerate(self._features) if f.startswith("T:")}
        self._piece_tables: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]] = {}
        self._char_table: npt.NDArray[np.intp] | None = None
        self.idf = idf
        self.coef = coef
        self._coef_by_feature = np.ascontiguousarray(coef.T)
        self.intercept = intercept
        #: share of the learned probability in a combined score (the rest is keywords).
        self.weight = weight
        #: scale of the decision values before the softmax that makes them probabilities.
        self.temperature = temperature
        #: per-theme probability from which a multi-label model tags (None: single-label); the
        #: no-theme class has none (the tagger's `MAX_NO_THEME` is its cut).
        self.thresholds: dict[str, float] | None = (
            None
            if thresholds is None
            else {label: float(t) for label, t in zip(themes, thresholds, strict=True)}
        )
        #: per-theme probability from which a multi-label model tags an answer whose taxonomy
        #: keywords point to the theme (chosen with `thresholds`, by cross-validation).
        self.keyword_thresholds: dict[str, float] | None = None
        if self.thresholds is not None:
            self.keyword_thresholds = (
                {label: min(t, LEGACY_KEYWORD_THRESHOLD) for label, t in self.thresholds.items()}
                if keyword_thresholds is None
                else {label: float(t) for label, t in zip(themes, keyword_thresholds, strict=True)}
            )
        #: whether the features include the taxonomy's keyword hits ("K:<theme>").
        self.uses_keywords = uses_keywords
        #: the character n-gram sizes among the features.
        self.char_ngrams = tuple(int(n) for n in char_ngrams)
        #: whether character pieces are also cut from ASCII (English) words, as models written
        #: before they were left out did.
        self.ascii_pieces = ascii_pieces

    @property
    def themes(self) -> list[str]:
        """The theme ids the model scores (its labels but the no-theme class)."""
        return [label for label in self.labels if label != NO_THEME]

    @property
    def multilabel(self) -> bool:
        """True for a model with an independent score and threshold per theme."""
        return self.thresholds is not None

    def check_compatible(self, taxonomy: Taxonomy) -> None:
        """Raise ValueError naming any learned theme the taxonomy no longer has."""
        missing = [label for label in self.themes if taxonomy.get(label) is None]
        if missing:
            raise ValueError(
                "learned model refers to themes missing from the taxonomy: " + ", ".join(missing)
            )

    def vectorise(self, counts: Mapping[str, int]) -> Vector:
        """Column indices and L2-normalised TF-IDF values of the known features."""
        lookup = self.vocabulary.get
        pairs = [(column, n) for f, n in counts.items() if (column := lookup(f)) is not None]
        index = np.fromiter((c for c, _ in pairs), dtype=np.intp, count=len(pairs))
        tf = np.fromiter((n for _, n in pairs), dtype=np.float64, count=len(pairs))
        vec = (1.0 + np.log(tf)) * self.idf[index] if pairs else tf
        if pairs:
            vec /= float(np.linalg.norm(vec)) or 1.0
        return index, vec

    def vectorise_tokens(self, tokens: Sequence[str], keyword_themes: Iterable[str] = ()) -> Vector:
        """`vectorise(self.features(tokens, keyword_themes))`, without building every feature
        string (tagging's hot path: most character pieces of a long text are unknown)."""
        counts = self._counts(*self._words(tokens), keyword_themes)
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if not len(index):
            return index, tf
        vec = (1.0 + np.log(tf)) * self.idf[index]
        vec /= float(np.linalg.norm(vec)) or 1.0
        return index, vec

    def _words(self, tokens: Sequence[str]) -> tuple[list[str], int, str]:
        """The tokens that count as words, how many of them make the first sentence, and
        their characters run together (what the character pieces are cut from: without the
        ASCII words unless `ascii_pieces`)."""
        if len(_IS_WORD) > _WORD_CACHE:
            _IS_WORD.clear()
        flags = list(map(_IS_WORD.__getitem__, tokens))
        words = list(itertools.compress(tokens, flags))
        head = flags[: head_end(tokens)].count(True)
        return words, head, "".join(words if self.ascii_pieces else _unspaced(words))

    def _counts(
        self,
        words: list[str],
        head: int,
        chars: str,
        keyword_themes: Iterable[str],
        pieces: list[int] | None = None,
    ) -> Counter[int | None]:
        """How often each known feature occurs, by column, in the order first seen (the order
        `features` makes them in, so that sums over them add up in the same order).

        `pieces`: the columns of the known character pieces, if already looked up
        (`_piece_columns`)."""
        get = self.vocabulary.get
        columns = list(map(get, words))
        if any(" " in w for w in words):
            columns += [get(a + " " + b) for a, b in itertools.pairwise(words)]
        else:
            # A word pair "a b" is found from its first word, without building the string.
            firsts = list(map(self._pairs.get, words[:-1]))
            columns += [
                firsts[i].get(words[i + 1])  # type: ignore[union-attr]  # compress: not None
                for i in itertools.compress(range(len(firsts)), firsts)
            ]
        columns += map(self._titles.get, words[:head])
        if pieces is None:
            piece = self._pieces.get
            for n in self.char_ngrams:
                columns += map(piece, [chars[i : i + n] for i in range(len(chars) - n + 1)])
        else:
            columns += pieces
        if self.uses_keywords:
            columns += [get(KEYWORD_MARK + theme) for theme in keyword_themes]
        counts: Counter[int | None] = Counter(columns)
        counts.pop(None, None)  # features the model does not know
        return counts

    def _piece_columns(self, texts: Sequence[str]) -> list[list[int]]:
        """For each text, the columns of its known character pieces: those of the shortest
        size first, each size in text order (pieces the model does not know are left out, as
        `_counts` leaves them out). Looked up for all texts at once."""
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
        starts = np.cumsum(lengths) - lengths
        # Which text each character belongs to, and its place in that text.
        owner = np.repeat(np.arange(len(texts)), lengths)
        place = np.arange(len(owner)) - starts[owner]
        codes = np.frombuffer(
            "".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.uint64)
        # Per size: the known pieces' columns, in order of their text and place in it, and how
        # many each text has.
        sizes: list[tuple[list[int], list[int]]] = []
        for n in self.char_ngrams:
            keys, columns = self._piece_table(n)
            count = len(codes) - n + 1
            if count <= 0 or not len(keys):
                continue
            if n == 1:
                # A single character's column straight from its code point.
                by_code = self._char_columns()
                found_at = by_code[np.minimum(codes, len(by_code) - 1)]
                hit = found_at >= 0
            else:
                # A piece's code points side by side, 21 bits each (n <= 3: see _piece_table).
                key = codes[:count].copy()
                for offset in range(1, n):
                    key = (key << np.uint64(21)) | codes[offset : offset + count]
                at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
                found_at, hit = columns[at], keys[at] == key
            # Known, and within one text (not running on into the next one).
            inside = place[:count] <= lengths[owner[:count]] - n
            known = np.flatnonzero(hit & inside)
            per_text = np.bincount(owner[known], minlength=len(texts))
            sizes.append((found_at[known].tolist(), np.cumsum(per_text).tolist()))
        found: list[list[int]] = [[] for _ in texts]
        for columns_of, ends in sizes:
            start = 0
            for own, end in zip(found, ends, strict=True):
                own += columns_of[start:end]
                start = end
        return found

    def _piece_table(self, n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]:
        """The known pieces of n characters as sorted keys, and their columns (empty arrays
        if the model knows none)."""
        table = self._piece_tables.get(n)
        if table is None:
            known = sorted(
                (_piece_key(piece), column)
                for piece, column in self._pieces.items()
                if len(piece) == n
            )
            keys = np.array([k for k, _ in known], dtype=np.uint64)
            columns = np.array([c for _, c in known], dtype=np.intp)
            table = self._piece_tables[n] = (keys, columns)
        return table

    def _char_columns(self) -> npt.NDArray[np.intp]:
        """Per code point, the column of the piece that is that one character (-1: unknown),
        up to the highest known one; the last entry (-1) stands for every code point above."""
        if self._char_table is None:
            keys, columns = self._piece_table(1)
            table = np.full(int(keys.max(initial=0)) + 2, -1, dtype=np.intp)
            table[keys.astype(np.intp)] = columns
            self._char_table = table
        return self._char_table

    def score_many(
        self, documents: Sequence[tuple[Sequence[str], Iterable[str]]]
    ) -> list[tuple[Vector, dict[str, float]]]:
        """For each (tokens, keyword themes): its vector and its probability per learned
        theme, exactly as `vectorise_tokens` and `predict_vector` give them one by one.

        The character pieces of all texts are looked up together, and the element-wise steps
        run once over the whole batch; the two sums of each text (its vector's norm, its
        scores) stay one BLAS call per text over the same numbers in the same order, so every
        result is the same to the last bit.
        """
        words = [self._words(tokens) for tokens, _ in documents]
        if max(self.char_ngrams) <= _MAX_KEYED_PIECE:
            pieces: Sequence[list[int] | None] = self._piece_columns(
                [chars for _, _, chars in words]
            )
        else:
            pieces = [None] * len(documents)
        counts = [
            self._counts(*own, themes, found)
            for own, (_, themes), found in zip(words, documents, pieces, strict=True)
        ]
        sizes = [len(c) for c in counts]
        total = sum(sizes)
        index = np.fromiter(
            itertools.chain.from_iterable(c.keys() for c in counts), dtype=np.intp, count=total
        )
        tf = np.fromiter(
            itertools.chain.from_iterable(c.values() for c in counts),
            dtype=np.float64,
            count=total,
        )
        vec = (1.0 + np.log(tf)) * self.idf[index]
        rows = self._coef_by_feature[index]
        logits = np.empty((len(documents), len(self.labels)))
        logits[:] = self.intercept
        bounds = list(itertools.accumulate(sizes, initial=0))
        for number, (start, end) in enumerate(itertools.pairwise(bounds)):
            if start == end:
                continue
            own = vec[start:end]
            own /= float(np.sqrt(own.dot(own))) or 1.0
            logits[number] = self.intercept + own @ rows[start:end]
        themes = logits if self._none is None else logits[:, self._theme_columns]
        if self.multilabel:
            probs = 1.0 / (1.0 + np.exp(-np.clip(themes, -50.0, 50.0)))
        else:
            probs = np.exp(
                themes * self.temperature - (themes * self.temperature).max(axis=1)[:, None]
            )
            probs = np.stack([row / row.sum() for row in probs]) if len(probs) else probs
        if self._none is not None:
            probs = self._with_none(probs, logits[:, self._none])
        labels = self.labels
        return [
            ((index[start:end], vec[start:end]), dict(zip(labels, row, strict=True)))
            for (start, end), row in zip(itertools.pairwise(bounds), probs.tolist(), strict=True)
        ]

    def predict_features(self, counts: Mapping[str, int]) -> dict[str, float]:
        """Probability per learned theme id for one text's features."""
        return self.predict_vector(self.vectorise(counts))

    def predict_vector(self, vector: Vector) -> dict[str, float]:
        """Probability per learned theme id for one text's vector (from `vectorise`)."""
        index, vec = vector
        logits = self.intercept.copy()
        if len(index):
            # Weights are kept feature-major, so one text's rows are a cheap gather.
            logits = logits + vec @ self._coef_by_feature[index]
        themes = logits if self._none is None else logits[self._theme_columns]
        if self.multilabel:
            probs = 1.0 / (1.0 + np.exp(-np.clip(themes, -50.0, 50.0)))
        else:
            themes = themes * self.temperature
            themes -= themes.max()
            probs = np.exp(themes)
            probs /= probs.sum()
        if self._none is not None:
            probs = self._with_none(probs[None, :], logits[None, self._none])[0]
        return dict(zip(self.labels, probs.tolist(), strict=True))

    def _with_none(
        self, themes: npt.NDArray[np.float64], none: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Rows of a no-theme model's probabilities: the themes' (a softmax among them, or
        a multi-label model's own scores, as a model without the class gives them) and, in the
        no-theme column, the probability that the text has none of them, from the no-theme
        row's own decision value (0.5 where its SVM's decision changes)."""
        out = np.empty((themes.shape[0], len(self.labels)))
        out[:, self._theme_columns] = themes
        out[:, self._none] = 1.0 / (1.0 + np.exp(-np.clip(none * self.temperature, -50.0, 50.0)))
        return out

    def features(self, tokens: Sequence[str], keyword_themes: Iterable[str] = ()) -> Counter[str]:
        """This model's features of one tokenised text (see `features`)."""
        themes = keyword_themes if self.uses_keywords else ()
        return features(tokens, themes, self.char_ngrams, self.ascii_pieces)

    def weighed_most(self, vector: Vector, label: str, limit: int = 3) -> list[str]:
        """The words of a text that pushed its score for `label` up the most, strongest first."""
        index, vec = vector
        if not len(index) or limit <= 0:
            return []
        words, showable = self._display()
        contribution = vec * self.coef[self.labels.index(label), index]
        # The features that pushed up and read as words, strongest first (a stable sort: ties
        # keep the text's feature order). Marks and single characters never show, so they are
        # left out before sorting rather than skipped after.
        candidates = np.flatnonzero((contribution > 0) & showable[index])
        order = candidates[np.argsort(-contribution[candidates], kind="stable")]
        shown: list[str] = []
        for column in index[order].tolist():
            word = words[column]
            # A shorter piece of a word already shown adds nothing ("问过" beside "没问过").
            if word is not None and not any(word in seen or seen in word for seen in shown):
                shown.append(word)
                if len(shown) >= limit:
                    break
        return shown

    def _display(self) -> tuple[list[str | None], npt.NDArray[np.bool_]]:
        """How each feature reads as a word (`_shown`), and which ones do; worked out on the
        first explanation, not at load (start-up does not pay for a model never explained)."""
        if self._display_cache is None:
            words = [_shown(f) for f in self._features]
            self._display_cache = (words, np.array([w is not None for w in words], dtype=bool))
        return self._display_cache

    def combine(self, keyword: dict[str, float], learned: dict[str, float]) -> dict[str, float]:
        """Blend keyword scores with learned probabilities for the themes the model knows (the
        no-theme class's probability is what the themes did not get: it is no score)."""
        combined = dict(keyword)
        for label, prob in learned.items():
            if label == NO_THEME:
                continue
            combined[label] = self.weight * prob + (1.0 - self.weight) * keyword.get(label, 0.0)
        return combined

    def to_bytes(self) -> bytes:
        """Serialise to an .npz archive of plain arrays (no pickle)."""
        if NO_THEME in self.labels:
            version = NONE_VERSION
        elif self.multilabel:
            version = MULTILABEL_VERSION
        elif self.uses_keywords or self.char_ngrams != DEFAULT_CHAR_NGRAMS:
            version = FEATURES_VERSION
        else:
            version = VERSION
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": version,
            "weight": self.weight,
            "temperature": self.temperature,
            "ascii_pieces": self.ascii_pieces,
        }
        if self.thresholds is not None and self.keyword_thresholds is not None:
            header["thresholds"] = [self.thresholds[label] for label in self.themes]
            header["keyword_thresholds"] = [self.keyword_thresholds[label] for label in self.themes]
        if version != VERSION:
            header["uses_keywords"] = self.uses_keywords
            header["char_ngrams"] = list(self.char_ngrams)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.array(json.dumps(header)),
            labels=np.array(self.labels, dtype=np.str_),
            vocabulary=np.array(self._features, dtype=np.str_),
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
        if len(data) > _MAX_BYTES:
            raise ValueError("not a Minyi learned model (too big)")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header: dict[str, Any] = json.loads(str(archive["header"]))
                if header.get("format") != FORMAT or header.get("version") not in (
                    VERSION,
                    MULTILABEL_VERSION,
                    FEATURES_VERSION,
                    NONE_VERSION,
                ):
                    raise ValueError("not a Minyi learned model (or an unsupported version)")
                thresholds = header.get("thresholds")
                if header["version"] == MULTILABEL_VERSION and not isinstance(thresholds, list):
                    raise ValueError("multi-label model without thresholds")
                keyword_thresholds = header.get("keyword_thresholds")
                return cls(
                    labels=[str(x) for x in archive["labels"]],
                    vocabulary=[str(x) for x in archive["vocabulary"]],
                    idf=np.asarray(archive["idf"], dtype=np.float64),
                    coef=np.asarray(archive["coef"], dtype=np.float64),
                    intercept=np.asarray(archive["intercept"], dtype=np.float64),
                    weight=float(header.get("weight", 0.7)),
                    temperature=float(header.get("temperature", 3.0)),
                    thresholds=[float(t) for t in thresholds] if thresholds else None,
                    uses_keywords=bool(header.get("uses_keywords", False)),
                    char_ngrams=[int(n) for n in header.get("char_ngrams", DEFAULT_CHAR_NGRAMS)],
                    keyword_thresholds=(
                        [float(t) for t in keyword_thresholds] if keyword_thresholds else None
                    ),
                    ascii_pieces=bool(header.get("ascii_pieces", True)),
                )
        except (
            OSError,
            KeyError,
            TypeError,
            json.JSONDecodeError,
            EOFError,
            zipfile.BadZipFile,
        ) as exc:
            raise ValueError(f"cannot read learned model: {exc}") from exc


def default_principle_model_path() -> Path:
    """Where the shipped principle model lives (rebuilt by `python -m nlp.build_model`)."""
    return Path(str(resources.files("nlp") / "data" / "principles_model.npz"))


@cache
def default_principle_model() -> LearnedModel | None:
    """The shipped principle model, loaded once per process; None if the file is missing."""
    path = default_principle_model_path()
    if not path.exists():
        return None
    return LearnedModel.load(path)
