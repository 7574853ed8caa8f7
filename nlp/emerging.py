"""Emerging terms: residents' own words that no theme covers yet (SPEC §4)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources

from pydantic import BaseModel, ConfigDict

from nlp.mask import ReadTexts, masked_in
from nlp.redact import PLACEHOLDERS
from nlp.segment import total_frequency, word_frequency
from nlp.tagger import Tagger

_MEANINGFUL = re.compile(r"^[\u4e00-\u9fffa-z][\u4e00-\u9fffa-z0-9\-]*$")
_HAS_DIGIT = re.compile(r"\d")
# What redaction left in place of a number or address ([电话], [邮箱], …): not a resident's word.
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


# How many candidates, per term asked for, are looked up in the answers' masks at most.
_LOOKS = 5


def _load_stop_words() -> frozenset[str]:
    text = (resources.files("nlp") / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


#: Function words, pronouns, fillers and message-board boilerplate: frequent in any set of
#: answers and never a theme (nlp/data/stopwords.txt).
STOP_WORDS: frozenset[str] = _load_stop_words()


class EmergingTerm(BaseModel):
    """A frequent word matching no theme, with its count and how unusual it is here."""

    model_config = ConfigDict(frozen=True)

    term: str
    count: int
    score: float


def _count(
    texts: Sequence[str], tagger: Tagger, keywords: frozenset[str]
) -> tuple[Counter[str], Counter[str]]:
    """Candidate-word counts and in how many texts each word occurs."""
    counts: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    for text in texts:
        seen: set[str] = set()
        for token in tagger.segment(_PLACEHOLDER.sub(" ", text)):
            if _is_candidate(token, keywords):
                counts[token] += 1
                seen.add(token)
        documents.update(seen)
    return counts, documents


def emerging_terms(
    texts: Sequence[str],
    tagger: Tagger,
    limit: int = 10,
    *,
    background: Sequence[str] = (),
) -> list[EmergingTerm]:
    """The most characteristic words of these texts that match no theme keyword.

    A word's score is its count times the log-ratio of its share here to its share in a
    background: jieba's general dictionary, and, when given, `background` texts (e.g. the
    answers of earlier periods), so everyday words and words that are always said sink and
    the residents' new vocabulary rises. Stop words, numbers, single characters, words seen
    in only one text and words the quotes' masking hides where they occur (people's names,
    addresses: nlp/mask.py `masked_in`) are left out.
    """
    keywords = tagger.keyword_set()
    counts, documents = _count(texts, tagger, keywords)
    total_here = sum(counts.values())
    if not total_here:
        return []
    before, _ = _count(background, tagger, keywords)
    total_before = sum(before.values())
    background_total = total_frequency()
    ranked: list[EmergingTerm] = []
    for term, count in counts.items():
        if documents[term] < 2 and len(texts) > 1:
            continue
        share_here = count / total_here
        # +1 smoothing keeps unknown words (frequency 0) from dividing by zero while still
        # ranking them as the most unusual.
        share_background = (word_frequency(term) + 1.0) / background_total
        if before[term]:
            # Said before (in earlier answers, or in the question itself): not new.
            share_background = max(share_background, before[term] / total_before)
        lift = math.log(share_here / share_background)
        if lift <= 0:
            continue
        ranked.append(EmergingTerm(term=term, count=count, score=round(count * lift, 3)))
    ranked.sort(key=lambda t: (-t.score, -t.count, t.term))
    # A name or an address the residents repeat (王秀兰, Mr Zhang) is masked in the quotes
    # shown beside the terms: it is no term to show either. Each look costs up to 20 maskings
    # (and a pass over the texts): answers crowded with names give fewer terms, not a report
    # that reads every candidate (121 looks for 4 terms in tests/nlp/test_emerging.py).
    shown: list[EmergingTerm] = []
    read = ReadTexts(texts if ranked else [])
    for candidate in ranked[: _LOOKS * limit]:
        if len(shown) == limit:
            break
        if not masked_in(candidate.term, read):
            shown.append(candidate)
    return shown


def _is_candidate(token: str, keywords: frozenset[str]) -> bool:
    if len(token) < 2 or token in STOP_WORDS or token in keywords:
        return False
    if _HAS_DIGIT.search(token) or not _MEANINGFUL.match(token):
        return False
    # A compound containing a keyword (停车难 contains 停车) is already covered.
    for cut in range(2, len(token) - 1):
        if token[:cut] in keywords or token[cut:] in keywords:
            return False
    return True
