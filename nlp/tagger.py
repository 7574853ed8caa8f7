"""Tagging a resident's text with themes, each with a score and the words that matched."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from nlp.normalise import normalise
from nlp.segment import DEFAULT_ENGINE, Engine, segmenter_for
from nlp.taxonomy import Taxonomy

if TYPE_CHECKING:
    from nlp.learn import LearnedModel

# Keyword hits in the first sentence (a message board's title, a resident's opening line)
# say more about the topic than the same words further down.
_HEAD_WEIGHT = 2.0
_HEAD_END = re.compile(r"[。！？!?\n]")
# The longest keyword made of several tokens that we try to reassemble (English phrases,
# Chinese keywords jieba splits).
_MAX_NGRAM = 3
# Share of a child domain's weight credited to its parent. Community-level themes do not
# always sit under one first-level category (小区停车 is filed under 城乡建设 as often as
# 交通运输), so a child's words count for its parent, but less than the parent's own words.
PARENT_CREDIT = 0.5
# A theme is reported when its score reaches this (keyword scores are 1 - exp(-raw)).
MIN_SCORE = 0.2
# Learned probabilities below this are not reported as tags unless keywords also matched.
MIN_LEARNED = 0.35


class ThemeTag(BaseModel):
    """One theme found in a text, with its score in [0, 1] and the matched words."""

    model_config = ConfigDict(frozen=True)

    id: str
    name_zh: str
    name_en: str
    kind: Literal["principle", "domain"]
    score: float
    evidence: list[str]


class _Matcher:
    """Keyword lookup over tokens: whole tokens, short token runs, prefixes and suffixes."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.themes_of: dict[str, list[str]] = {}
        for theme in taxonomy.themes:
            for keyword in theme.keywords:
                norm = normalise(keyword)
                if not norm:
                    continue
                owners = self.themes_of.setdefault(norm, [])
                if theme.id not in owners:
                    owners.append(theme.id)
        # A keyword shared by unrelated themes of one kind says less about each of them; a
        # principle and a domain sharing a word (违建: 法治 and 城乡建设) do not compete.
        self.weight: dict[str, dict[str, float]] = {}
        for keyword, owners in self.themes_of.items():
            roots: dict[str, set[str]] = {}
            for theme_id in owners:
                roots.setdefault(_kind(taxonomy, theme_id), set()).add(taxonomy.root_of(theme_id))
            self.weight[keyword] = {
                theme_id: 1.0 / len(roots[_kind(taxonomy, theme_id)]) for theme_id in owners
            }
        self.keywords = frozenset(self.themes_of)
        # Every proper beginning of a keyword, as joined tokens build it ("停" of "停车位", "car"
        # and "car park" of "car park fee"): tokens are joined further only while they can
        # still become a keyword.
        self.beginnings = frozenset(k[:end] for k in self.keywords for end in range(1, len(k)))

    def match(self, tokens: Sequence[str]) -> list[tuple[int, str]]:
        """Keywords found, each with the index of the token where it starts."""
        found: list[tuple[int, str]] = []
        keywords, beginnings = self.keywords, self.beginnings
        words = [(i, t) for i, t in enumerate(tokens) if not t.isspace()]
        n = len(words)
        for pos in range(n):
            index, token = words[pos]
            if token in keywords:
                found.append((index, token))
            elif len(token) >= 3:
                # Compounds jieba keeps whole: 停车费 → 停车, 养猪场 → 猪场.
                for cut in range(len(token) - 1, 1, -1):
                    if token[:cut] in keywords:
                        found.append((index, token[:cut]))
                        break
                for cut in range(1, len(token) - 1):
                    if token[cut:] in keywords:
                        found.append((index, token[cut:]))
                        break
            joined = spaced = token
            for ahead in range(1, _MAX_NGRAM):
                if pos + ahead >= n or (joined not in beginnings and spaced not in beginnings):
                    break
                nxt = words[pos + ahead][1]
                joined += nxt
                spaced += " " + nxt
                if joined in keywords:
                    found.append((index, joined))
                elif spaced in keywords:
                    found.append((index, spaced))
        return found


def _kind(taxonomy: Taxonomy, theme_id: str) -> str:
    theme = taxonomy.get(theme_id)
    return theme.kind if theme is not None else ""


def _head_token_count(tokens: Sequence[str]) -> int:
    """How many leading tokens make up the first sentence."""
    for i, token in enumerate(tokens):
        if _HEAD_END.fullmatch(token):
            return i + 1
    return len(tokens)


class Tagger:
    """Tags texts against a taxonomy, optionally helped by a model learned from examples."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        model: LearnedModel | None = None,
        segmenter: Engine = DEFAULT_ENGINE,
    ) -> None:
        self._taxonomy = taxonomy
        self._model = model
        self._matcher = _Matcher(taxonomy)
        self._tokenizer = segmenter_for(
            (w for w in self._matcher.keywords if " " not in w), segmenter
        )
        self._themes = {t.id: t for t in taxonomy.themes}
        self._children: dict[str, list[str]] = {}
        for theme in taxonomy.themes:
            if theme.parent is not None:
                self._children.setdefault(theme.parent, []).append(theme.id)
        if model is not None:
            model.check_compatible(taxonomy)

    @property
    def taxonomy(self) -> Taxonomy:
        """The taxonomy this tagger tags against."""
        return self._taxonomy

    @property
    def segmenter(self) -> Engine:
        """The segmentation engine in use (jieba when jieba-rs was asked for but is missing)."""
        return self._tokenizer.engine

    @property
    def model(self) -> LearnedModel | None:
        """The learned model in use, if any."""
        return self._model

    def keyword_set(self) -> frozenset[str]:
        """All normalised keywords of the taxonomy."""
        return self._matcher.keywords

    def segment(self, text: str) -> list[str]:
        """Normalised tokens of a text, white space dropped (for emerging terms and learning).

        Uses jieba's HMM so unseen words (new place names, new slang) come out whole.
        """
        return [t for t in self._tokenizer.cut(normalise(text), hmm=True) if not t.isspace()]

    def tokens(self, normalised: str) -> list[str]:
        """Tokens of already normalised text as tagging sees them (white space kept)."""
        # No HMM: it only regroups runs of single characters that are not in the dictionary,
        # and every keyword is in the dictionary, so it cannot change what matches.
        return self._tokenizer.cut(normalised, hmm=False)

    def keyword_evidence(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Raw keyword weight and matched words per theme id (children credit their parent)."""
        return self._evidence(self.tokens(normalise(text)))

    def _evidence(self, tokens: Sequence[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        head = _head_token_count(tokens)
        weights: dict[str, float] = {}
        for index, keyword in self._matcher.match(tokens):
            weights[keyword] = weights.get(keyword, 0.0) + (_HEAD_WEIGHT if index < head else 1.0)
        raw: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        for keyword, hits in weights.items():
            strength = 1.0 + math.log(hits)
            for theme_id, weight in self._matcher.weight[keyword].items():
                raw[theme_id] = raw.get(theme_id, 0.0) + weight * strength
                evidence.setdefault(theme_id, []).append(keyword)
        # Parents collect their children's evidence (the 停车 in 停车费 is also 交通运输).
        for parent, children in self._children.items():
            extra = PARENT_CREDIT * sum(raw.get(child, 0.0) for child in children)
            if extra:
                raw[parent] = raw.get(parent, 0.0) + extra
                words = evidence.setdefault(parent, [])
                for child in children:
                    for word in evidence.get(child, []):
                        if word not in words:
                            words.append(word)
        return raw, evidence

    def scores(self, text: str) -> dict[str, float]:
        """A score in [0, 1] for every theme (0 when nothing points to it)."""
        found = self._analyse(text)[0]
        return {tid: found.get(tid, 0.0) for tid in self._themes}

    def _analyse(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Scores of the themes that may be tagged (with a model every theme, without one
        those with evidence: the rest score 0) and the matched words per theme."""
        tokens = self.tokens(normalise(text))
        raw, evidence = self._evidence(tokens)
        if self._model is None:
            # Only themes with evidence can score above 0 (the common, fast case).
            return {tid: 1.0 - math.exp(-weight) for tid, weight in raw.items()}, evidence
        scores = {tid: 1.0 - math.exp(-raw.get(tid, 0.0)) for tid in self._themes}
        return self._model.combine(scores, self._model.predict_tokens(tokens)), evidence

    def tag(self, text: str) -> list[ThemeTag]:
        """Themes of a text, highest score first; [] if nothing matched."""
        scores, evidence = self._analyse(text)
        learned_ids = set(self._model.labels) if self._model is not None else set()
        tags: list[ThemeTag] = []
        for theme_id, score in scores.items():
            words = evidence.get(theme_id, [])
            threshold = MIN_SCORE if words or theme_id not in learned_ids else MIN_LEARNED
            if score < threshold or (not words and theme_id not in learned_ids):
                continue
            theme = self._themes[theme_id]
            tags.append(
                ThemeTag(
                    id=theme.id,
                    name_zh=theme.name_zh,
                    name_en=theme.name_en,
                    kind=theme.kind,
                    score=round(score, 4),
                    evidence=words,
                )
            )
        tags.sort(key=lambda t: (-t.score, t.id))
        return tags

    def tag_many(self, texts: Sequence[str]) -> list[list[ThemeTag]]:
        """`tag` for each text, in order."""
        return [self.tag(text) for text in texts]

    def best_of(self, text: str, theme_ids: Sequence[str]) -> str:
        """The highest-scoring of the given themes (ties: the first given)."""
        scores = self.scores(text)
        return max(theme_ids, key=lambda tid: scores.get(tid, 0.0))
