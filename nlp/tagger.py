"""Tagging a resident's text with themes, each with a score and the words that matched.

Domains come from the taxonomy's keywords. Principles come from the shipped principle model
(`nlp/data/principles_model.npz`, see `nlp.model`) whenever the taxonomy has its themes: it
reads the words, character pieces and keyword hits of an answer, so residents' own wording
("从来没人问过我们") counts, not only the textbook words. A deployment's own learned model
(`minyi learn`) is applied on top of both; it tags a theme no keyword points to only while it
finds the answer has a theme at all (`nlp.learn.train`'s no-theme row). Once organisers have
labelled first-level domains (`/label`), a domain model learned from them (`nlp.domain_model`)
decides the first-level domains as the principle model decides principles: a domain the
keywords missed may be tagged when the model is confident, one they found only unless the
model is sure it is not meant.
Every tag keeps its keyword `evidence`; a tag a model scored also says which words weighed
most (`learned`).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from nlp.model import NO_THEME, LearnedModel, Vector, default_principle_model, head_end
from nlp.normalise import normalise, normalise_many
from nlp.segment import DEFAULT_ENGINE, Engine, segmenter_for
from nlp.taxonomy import Taxonomy

# Keyword hits in the first sentence (a message board's title, a resident's opening line)
# say more about the topic than the same words further down.
_HEAD_WEIGHT = 2.0
# Share of a child domain's weight credited to its parent. Community-level themes do not
# always sit under one first-level category (小区停车 is filed under 城乡建设 as often as
# 交通运输), so a child's words count for its parent, but less than the parent's own words.
PARENT_CREDIT = 0.5
# A theme is reported when its score reaches this (keyword scores are 1 - exp(-raw)).
MIN_SCORE = 0.2
# The principle model reads at most this many characters of a text: it learned from answers of
# under 100 characters (twice that is still more than any of them), and a long petition frames
# its complaint in its opening; reading all of it would cost a fifth of tagging's speed.
PRINCIPLE_READ_CHARS = 200
# What an analysis holds before a model has read the text.
_EMPTY: Vector = (np.zeros(0, dtype=np.intp), np.zeros(0))
# Learned probabilities below this are not reported as tags unless keywords also matched.
MIN_LEARNED = 0.35
# A model that learned answers with no theme (a deployment's, `nlp.learn.train`; the principle
# model, `nlp.learn.train_multilabel`) tags a theme no keyword points to only while it finds
# "none of its themes" less likely than this.
MAX_NO_THEME = 0.5


class ThemeTag(BaseModel):
    """One theme found in a text, with its score in [0, 1] and the matched words."""

    model_config = ConfigDict(frozen=True)

    id: str
    name_zh: str
    name_en: str
    kind: Literal["principle", "domain"]
    #: confidence in [0, 1]: a model's probability, or the keyword score.
    score: float
    #: the taxonomy keywords found in the text (empty when only a model found the theme).
    evidence: list[str]
    #: when a model scored the theme, the words of the text that weighed most, strongest first.
    learned: list[str] = []


class _Matcher:
    """Keyword lookup over tokens: whole tokens, short token runs, prefixes and suffixes."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.themes_of: dict[str, list[str]] = {}
        #: (keyword, theme id) pairs where the keyword cannot make the theme on its own.
        self.weak: set[tuple[str, str]] = set()
        # Words that only decide which parent a child credits (Theme.parent_when) are found like
        # keywords but count for no theme.
        for theme in taxonomy.themes:
            for words in theme.parent_when.values():
                for word in words:
                    if norm := normalise(word):
                        self.themes_of.setdefault(norm, [])
        every = [k for theme in taxonomy.themes for k in [*theme.keywords, *theme.weak_keywords]]
        normalised = dict(zip(every, normalise_many(every), strict=True))
        for theme in taxonomy.themes:
            weak = {normalised[k] for k in theme.weak_keywords}
            for keyword in [*theme.keywords, *theme.weak_keywords]:
                norm = normalised[keyword]
                if not norm:
                    continue
                owners = self.themes_of.setdefault(norm, [])
                if theme.id not in owners:
                    owners.append(theme.id)
                if norm in weak:
                    self.weak.add((norm, theme.id))
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
        # For each beginning, the characters that can come next in a keyword: a token joined
        # with one that starts otherwise can become no keyword ("的" begins few of them).
        follows: dict[str, set[str]] = {}
        for keyword in self.keywords:
            for end in range(1, len(keyword)):
                follows.setdefault(keyword[:end], set()).add(keyword[end])
        self._follows = {beginning: frozenset(chars) for beginning, chars in follows.items()}
        self._plans = _Plans(self._step)

    def match(self, tokens: Sequence[str]) -> list[tuple[int, str]]:
        """Keywords found, each with the index of the token where it starts."""
        plans = self._plans
        if len(plans) > _PLAN_CACHE:
            plans.clear()
        steps = list(map(plans.__getitem__, tokens))
        if _SPACE in steps:
            # White space between tokens is skipped: "car", " ", "park" can make "car park".
            kept = [i for i, step in enumerate(steps) if step is not _SPACE]
            return self._match_words([tokens[i] for i in kept], [steps[i] for i in kept], kept)
        return self._match_words(tokens, steps, None)

    def _match_words(
        self, words: Sequence[str], steps: Sequence[_Step], origin: list[int] | None
    ) -> list[tuple[int, str]]:
        """`match` over tokens without white space; `origin` maps positions back to tokens."""
        found: list[tuple[int, str]] = []
        keywords, beginnings = self.keywords, self.beginnings
        n = len(words)
        # Only tokens that are, hold or begin a keyword have a step (nearly all have none).
        for pos in itertools.compress(range(n), steps):
            step = steps[pos]
            if step is None:  # (compress passes only steps)
                continue
            hits, follows, spaced_too = step
            index = pos if origin is None else origin[pos]
            for hit in hits:
                found.append((index, hit))
            if not follows or pos + 1 >= n:
                continue
            # Joined with the next one or two tokens (a keyword of at most three tokens: an
            # English phrase, a Chinese keyword jieba splits), directly or, where a keyword has
            # a space after this token, with spaces ("car park").
            token, nxt = words[pos], words[pos + 1]
            if nxt and not spaced_too and nxt[0] not in follows:
                continue  # (nearly always: no keyword goes on this way)
            joined = token + nxt
            spaced = token + " " + nxt if spaced_too else ""
            if joined in keywords:
                found.append((index, joined))
            elif spaced_too and spaced in keywords:
                found.append((index, spaced))
            if pos + 2 >= n or not (joined in beginnings or (spaced_too and spaced in beginnings)):
                continue
            last = words[pos + 2]
            if joined + last in keywords:
                found.append((index, joined + last))
            elif spaced_too and spaced + " " + last in keywords:
                found.append((index, spaced + " " + last))
        return found

    def _step(self, token: str) -> _Step:
        """What one token does for matching (see `_Plans`)."""
        if token.isspace():
            return _SPACE
        keywords = self.keywords
        hits: tuple[str, ...] = ()
        if token in keywords:
            hits = (token,)
        elif len(token) >= 3:
            # Compounds jieba keeps whole: 停车费 → 停车, 养猪场 → 猪场.
            # Never inside a number, though: 812345 and 贵A12345 hold no 12345 hotline.
            found: list[str] = []
            for cut in range(len(token) - 1, 1, -1):
                if token[:cut] in keywords and not _splits_number(token, cut):
                    found.append(token[:cut])
                    break
            for cut in range(1, len(token) - 1):
                if token[cut:] in keywords and not _splits_number(token, cut):
                    found.append(token[cut:])
                    break
            hits = tuple(found)
        follows = self._follows.get(token, frozenset())
        # A keyword with a space after this token ("car" of "car park"): joins also try spaces.
        spaced_too = bool(follows) and token + " " in self.beginnings
        return (hits, follows, spaced_too) if hits or follows else None


def _splits_number(token: str, cut: int) -> bool:
    """Whether cutting `token` before index `cut` splits a digit from a letter or digit of the
    same run (8|12345, A|12345, 12345|6): a keyword that is a number is no part of another."""
    left, right = token[cut - 1], token[cut]
    return (left.isdigit() and right.isascii() and right.isalnum()) or (
        right.isdigit() and left.isascii() and left.isalnum()
    )


# What a token does for matching: the keywords it is or holds, the characters that can follow
# it in a keyword that begins with it (then the tokens after it are joined on; empty if none
# begins with it) and whether one has a space after it; None for a token that does none of this.
_Step = tuple[tuple[str, ...], frozenset[str], bool] | None
# White space: skipped, so the tokens on either side are adjacent.
_SPACE: tuple[tuple[str, ...], frozenset[str], bool] = ((), frozenset(), False)
# Tokens whose step is remembered, at most (a few MB); a busy deployment sees far fewer
# distinct tokens, and the cache starts over when full.
_PLAN_CACHE = 200_000


class _Plans(dict[str, "_Step"]):
    """Each distinct token's step, worked out the first time the token is seen."""

    def __init__(self, step: Callable[[str], _Step]) -> None:
        super().__init__()
        self._step = step

    def __missing__(self, token: str) -> _Step:
        step = self[token] = self._step(token)
        return step


def _kind(taxonomy: Taxonomy, theme_id: str) -> str:
    theme = taxonomy.get(theme_id)
    return theme.kind if theme is not None else ""


def _leading(tokens: list[str], limit: int = PRINCIPLE_READ_CHARS) -> list[str]:
    """The tokens that make up the first `limit` characters (all of a short text)."""
    # The first token whose running total of characters passes the limit, and those after it,
    # are left out. Every token has a character, so those are among the first `limit` tokens
    # (a long answer's other tokens need not be counted).
    first = tokens[:limit]
    return first[: bisect.bisect_right(list(itertools.accumulate(map(len, first))), limit)]


def _head_token_count(tokens: Sequence[str]) -> int:
    """How many leading tokens make up the first sentence."""
    end = head_end(tokens)
    return end + 1 if end < len(tokens) else end


class Tagger:
    """Tags texts against a taxonomy, with the shipped principle model and, optionally, a
    deployment's own learned model."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        model: LearnedModel | None = None,
        segmenter: Engine = DEFAULT_ENGINE,
        *,
        principle_model: LearnedModel | Literal["default"] | None = "default",
        domain_model: LearnedModel | None = None,
    ) -> None:
        self._taxonomy = taxonomy
        self._model = model
        self._matcher = _Matcher(taxonomy)
        self._tokenizer = segmenter_for(
            (w for w in self._matcher.keywords if " " not in w), segmenter
        )
        self._themes = {t.id: t for t in taxonomy.themes}
        # Each child's parent, and the other parents its evidence credits in some contexts.
        self._parents: dict[str, tuple[str, list[tuple[str, frozenset[str]]]]] = {
            theme.id: (
                theme.parent,
                [
                    (other, frozenset(normalise(w) for w in words))
                    for other, words in theme.parent_when.items()
                ],
            )
            for theme in taxonomy.themes
            if theme.parent is not None
        }
        if model is not None:
            model.check_compatible(taxonomy)
        self._model_labels = frozenset(model.themes if model is not None else ())
        if principle_model == "default":
            principle_model = default_principle_model()
            # A deployment's own taxonomy without the default principles keeps keyword tagging.
            if principle_model is not None and not self._fits(principle_model):
                principle_model = None
        elif principle_model is not None:
            principle_model.check_compatible(taxonomy)
            if not principle_model.multilabel:
                raise ValueError("a principle model must be a multi-label model")
        self._principle_model = principle_model
        if domain_model is not None:
            domain_model.check_compatible(taxonomy)
            if not domain_model.multilabel or not all(
                self._themes[label].kind == "domain" and self._themes[label].parent is None
                for label in domain_model.labels
            ):
                raise ValueError(
                    "a domain model must be a multi-label model of first-level domains"
                )
        self._domain_model = domain_model
        self._domain_labels = frozenset(domain_model.labels if domain_model is not None else ())
        # Each child domain under a first-level domain the domain model learned: the
        # first-level domains its evidence may count for.
        self._child_parents = {
            theme.id: frozenset(theme.parents())
            for theme in taxonomy.themes
            if theme.parent is not None and theme.parents() & self._domain_labels
        }

    def _fits(self, model: LearnedModel) -> bool:
        return all(
            (theme := self._themes.get(label)) is not None and theme.kind == "principle"
            for label in model.themes
        )

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
        """The deployment's learned model in use, if any."""
        return self._model

    @property
    def principle_model(self) -> LearnedModel | None:
        """The multi-label principle model in use (the shipped one by default), if any."""
        return self._principle_model

    @property
    def domain_model(self) -> LearnedModel | None:
        """The first-level domain model learned from organisers' labels, if any."""
        return self._domain_model

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
        raw, evidence, _ = self._evidence(self.tokens(normalise(text)))
        return raw, evidence

    def strong_themes(self, tokens: Sequence[str]) -> list[str]:
        """Ids of the themes that a keyword other than a weak one points to, in these tokens."""
        return sorted(self._evidence(tokens)[2])

    def _evidence(
        self, tokens: Sequence[str]
    ) -> tuple[dict[str, float], dict[str, list[str]], set[str]]:
        """Raw weight and matched words per theme, and the themes with a non-weak keyword."""
        head = _head_token_count(tokens)
        weights: dict[str, float] = {}
        for index, keyword in self._matcher.match(tokens):
            weights[keyword] = weights.get(keyword, 0.0) + (_HEAD_WEIGHT if index < head else 1.0)
        raw: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        strong: set[str] = set()
        weak = self._matcher.weak
        for keyword, hits in weights.items():
            strength = 1.0 + math.log(hits)
            for theme_id, weight in self._matcher.weight[keyword].items():
                raw[theme_id] = raw.get(theme_id, 0.0) + weight * strength
                evidence.setdefault(theme_id, []).append(keyword)
                if (keyword, theme_id) not in weak:
                    strong.add(theme_id)
        # Parents collect their children's evidence (the 停车 in 停车费 is also 交通运输, or
        # 城乡建设 in an estate: see Theme.parent_when); a child's weak words stay weak for the
        # parent, so 物业 alone makes no 城乡建设.
        credited: dict[str, list[str]] = {}
        for child, (parent, others) in self._parents.items():
            if child in raw:
                context = next((p for p, words in others if not words.isdisjoint(weights)), None)
                credited.setdefault(context or parent, []).append(child)
        for parent, children in credited.items():
            extra = PARENT_CREDIT * sum(raw.get(child, 0.0) for child in children)
            if extra:
                raw[parent] = raw.get(parent, 0.0) + extra
                words = evidence.setdefault(parent, [])
                for child in children:
                    if child in strong:
                        strong.add(parent)
                    for word in evidence.get(child, []):
                        if word not in words:
                            words.append(word)
        return raw, evidence, strong

    def scores(self, text: str) -> dict[str, float]:
        """A score in [0, 1] for every theme (0 when nothing points to it)."""
        found = self._analyse(text).scores
        return {tid: found.get(tid, 0.0) for tid in self._themes}

    def _analyse(self, text: str) -> _Analysis:
        """Scores of the themes that may be tagged, with what each score rests on."""
        return self._analyse_many([normalise(text)])[0]

    def _analyse_many(self, normalised: Sequence[str]) -> list[_Analysis]:
        """`_analyse` of texts already normalised (the models score them together)."""
        analyses: list[_Analysis] = []
        for text in normalised:
            tokens = self.tokens(text)
            raw, evidence, strong = self._evidence(tokens)
            # Only themes with evidence can score above 0 without a model (the common case).
            scores = {tid: 1.0 - math.exp(-weight) for tid, weight in raw.items()}
            analyses.append(_Analysis(scores, evidence, strong, tokens))
        principle_model = self._principle_model
        domain_model = self._domain_model
        read: list[tuple[Sequence[str], list[str]]] = []
        if principle_model is not None or domain_model is not None:
            read = [(_leading(a.tokens), sorted(a.strong)) for a in analyses]
        if principle_model is not None:
            scored = principle_model.score_many(read)
            for analysis, (vector, probabilities) in zip(analyses, scored, strict=True):
                analysis.principle_vector = vector
                analysis.principle_no_theme = probabilities.pop(NO_THEME, 0.0)
                analysis.scores.update(probabilities)
        if domain_model is not None:
            for analysis, (vector, probabilities) in zip(
                analyses, domain_model.score_many(read), strict=True
            ):
                analysis.domain_vector = vector
                analysis.scores.update(probabilities)
                analysis.domains = self._domains_of(probabilities, analysis.strong)
        model = self._model
        if model is not None:
            scored = model.score_many([(a.tokens, sorted(a.strong)) for a in analyses])
            for analysis, (vector, probabilities) in zip(analyses, scored, strict=True):
                analysis.model_vector = vector
                analysis.no_theme = probabilities.get(NO_THEME, 0.0)
                full = {tid: analysis.scores.get(tid, 0.0) for tid in self._themes}
                analysis.scores = model.combine(full, probabilities)
        return analyses

    def _domains_of(self, probabilities: dict[str, float], strong: set[str]) -> set[str]:
        """The first-level domains the domain model tags, as the principle model tags its
        principles: from its keyword threshold when keywords point to the domain, else from
        its threshold (both chosen by cross-validation when it learned)."""
        model = self._domain_model
        assert model is not None and model.thresholds is not None
        backed = model.keyword_thresholds or model.thresholds
        return {
            theme_id
            for theme_id, probability in probabilities.items()
            if probability >= (backed if theme_id in strong else model.thresholds)[theme_id]
        }

    def _decide(self, theme_id: str, score: float, analysis: _Analysis) -> list[str] | None:
        """None if the theme is not tagged, else the words a model weighed most (maybe [])."""
        has_strong = theme_id in analysis.strong
        model = self._model
        if model is not None and theme_id in self._model_labels:
            threshold = MIN_SCORE if has_strong else MIN_LEARNED
            if score < threshold or _says_none(has_strong, analysis.no_theme):
                return None
            return model.weighed_most(analysis.model_vector, theme_id)
        principle_model = self._principle_model
        if principle_model is not None and principle_model.thresholds is not None:
            # A principle its keywords point to has its own, lower threshold, chosen with the
            # other by cross-validation so that keyword evidence keeps the precision floor.
            limits = (
                principle_model.keyword_thresholds if has_strong else principle_model.thresholds
            )
            limit = None if limits is None else limits.get(theme_id)
            if limit is not None:
                if score < limit or _says_none(has_strong, analysis.principle_no_theme):
                    return None
                return principle_model.weighed_most(analysis.principle_vector, theme_id)
        domain_model = self._domain_model
        if domain_model is not None:
            if theme_id in self._domain_labels:
                if theme_id not in analysis.domains:
                    return None
                return domain_model.weighed_most(analysis.domain_vector, theme_id)
            parents = self._child_parents.get(theme_id)
            if parents is not None and parents.isdisjoint(analysis.domains):
                # A child domain counts for a first-level domain it may credit: with none of
                # them tagged, the organisers' labels say it is not what the answer is about.
                return None
        # Keywords alone: a theme needs a word that is not merely generic (小区, app).
        return [] if has_strong and score >= MIN_SCORE else None

    def tag(self, text: str) -> list[ThemeTag]:
        """Themes of a text, highest score first; [] if nothing matched."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Sequence[str]) -> list[list[ThemeTag]]:
        """`tag` for each text, in order (normalised together, which is faster)."""
        return [self._tags(a) for a in self._analyse_many(normalise_many(texts))]

    def _tags(self, analysis: _Analysis) -> list[ThemeTag]:
        """The tags an analysis makes, highest score first."""
        tags: list[ThemeTag] = []
        for theme_id, score in analysis.scores.items():
            learned = self._decide(theme_id, score, analysis)
            if learned is None:
                continue
            theme = self._themes[theme_id]
            tags.append(
                # Validated, although every value is of its field's type already: pydantic's
                # compiled validation builds a small model about twice as fast as its
                # `model_construct`, which runs in Python.
                ThemeTag(
                    id=theme.id,
                    name_zh=theme.name_zh,
                    name_en=theme.name_en,
                    kind=theme.kind,
                    score=round(score, 4),
                    evidence=analysis.evidence.get(theme_id, []),
                    learned=learned,
                )
            )
        tags.sort(key=lambda t: (-t.score, t.id))
        return tags

    def best_of(self, text: str, theme_ids: Sequence[str]) -> str:
        """The highest-scoring of the given themes (ties: the first given)."""
        scores = self.scores(text)
        return max(theme_ids, key=lambda tid: scores.get(tid, 0.0))


def _says_none(has_strong: bool, no_theme: float) -> bool:
    """Whether a model's no-theme probability keeps a theme untagged: one no keyword points to,
    in an answer the model finds more likely to have no theme at all."""
    return not has_strong and no_theme >= MAX_NO_THEME


class _Analysis:
    """One text's scores and what they rest on: keyword evidence and model features."""

    __slots__ = (
        "domain_vector",
        "domains",
        "evidence",
        "model_vector",
        "no_theme",
        "principle_no_theme",
        "principle_vector",
        "scores",
        "strong",
        "tokens",
    )

    def __init__(
        self,
        scores: dict[str, float],
        evidence: dict[str, list[str]],
        strong: set[str],
        tokens: list[str],
    ) -> None:
        self.scores = scores
        self.evidence = evidence
        self.strong = strong
        self.tokens = tokens
        self.principle_vector: Vector = _EMPTY
        self.model_vector: Vector = _EMPTY
        self.domain_vector: Vector = _EMPTY
        #: how likely the deployment's learned model finds it that the text has no theme.
        self.no_theme = 0.0
        #: how likely the principle model finds it that the text has no principle.
        self.principle_no_theme = 0.0
        #: the first-level domains the domain model tags (empty without one).
        self.domains: set[str] = set()
