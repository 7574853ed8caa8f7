"""Which texts a taxonomy change can affect, so re-tagging touches only those.

Tagging a text depends on the taxonomy only through the keywords found in it (and jieba's
user dictionary, which holds the same keywords). A keyword whose owning themes changed, or
that was added or removed, can change the tags of exactly the texts that contain it; every
other text tags the same. A change to the themes themselves (added, removed, kind or parent
changed) can affect everything.
"""

from __future__ import annotations

from functools import cache

import zhconv

from nlp.normalise import normalise
from nlp.taxonomy import Taxonomy


def _owners(taxonomy: Taxonomy) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for theme in taxonomy.themes:
        weak = {normalise(k) for k in theme.weak_keywords}
        for keyword in [*theme.keywords, *theme.weak_keywords]:
            norm = normalise(keyword)
            if norm:
                # A keyword turning weak (or strong) changes tags as much as a new owner does.
                found.setdefault(norm, set()).add(theme.id + ("~weak" if norm in weak else ""))
    return {k: frozenset(v) for k, v in found.items()}


def _structure(taxonomy: Taxonomy) -> set[tuple[str, str, str | None]]:
    return {(t.id, t.kind, t.parent) for t in taxonomy.themes}


def changed_keywords(old: Taxonomy, new: Taxonomy) -> frozenset[str] | None:
    """Normalised keywords whose meaning changed; None if any text may be affected."""
    if _structure(old) != _structure(new):
        return None
    before, after = _owners(old), _owners(new)
    return frozenset(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@cache
def _sources() -> dict[str, frozenset[str]]:
    """For each character, every raw character that normalisation can turn into it."""
    found: dict[str, set[str]] = {}
    for raw, simplified in zhconv.zhconv.getdict("zh-cn").items():
        for char in simplified:
            found.setdefault(char, set()).update(raw)
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        found.setdefault(chr(code - 0xFEE0), set()).add(chr(code))
    return {char: frozenset(raws) for char, raws in found.items()}


def _raw_forms(char: str) -> frozenset[str]:
    forms = {char, char.upper(), char.lower()}
    for variant in list(forms):
        forms |= _sources().get(variant, frozenset())
    return frozenset(forms)


class KeywordScreen:
    """Tells whether a text contains any of a set of keywords, as the tagger would see it."""

    def __init__(self, keywords: frozenset[str]) -> None:
        self._plain = [k for k in keywords if " " not in k]
        self._spaced = [k for k in keywords if " " in k]
        # Per keyword, for each of its characters, the raw characters that normalise to it:
        # a text lacking every raw form of one character cannot contain the keyword, and
        # checking that is much cheaper than normalising the text.
        self._required = [[_raw_forms(c) for c in set(k) if not c.isspace()] for k in keywords]

    def _possible(self, text: str) -> bool:
        return any(all(not forms.isdisjoint(text) for forms in need) for need in self._required)

    def may_affect(self, text: str) -> bool:
        """True if the text contains one of the keywords (after normalisation)."""
        if not self._possible(text):
            return False
        norm = normalise(text)
        collapsed = " ".join(norm.split())
        if any(k in collapsed for k in self._plain):
            return True
        return any(k in collapsed or k.replace(" ", "") in collapsed for k in self._spaced)
