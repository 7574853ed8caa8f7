"""Which texts a taxonomy change can affect, so re-tagging touches only those.

Tagging a text depends on the taxonomy only through the keywords found in it (and jieba's
user dictionary, which holds the same keywords). A keyword whose owning themes changed, or
that was added or removed, can change the tags of exactly the texts that contain it; every
other text tags the same. A change to the themes themselves (added, removed, kind or parent
changed) can affect everything.
"""

from __future__ import annotations

from nlp.normalise import normalise
from nlp.taxonomy import Taxonomy


def _owners(taxonomy: Taxonomy) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for theme in taxonomy.themes:
        for keyword in theme.keywords:
            norm = normalise(keyword)
            if norm:
                found.setdefault(norm, set()).add(theme.id)
    return {k: frozenset(v) for k, v in found.items()}


def _structure(taxonomy: Taxonomy) -> set[tuple[str, str, str | None]]:
    return {(t.id, t.kind, t.parent) for t in taxonomy.themes}


def changed_keywords(old: Taxonomy, new: Taxonomy) -> frozenset[str] | None:
    """Normalised keywords whose meaning changed; None if any text may be affected."""
    if _structure(old) != _structure(new):
        return None
    before, after = _owners(old), _owners(new)
    return frozenset(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class KeywordScreen:
    """Tells whether a text contains any of a set of keywords, as the tagger would see it."""

    def __init__(self, keywords: frozenset[str]) -> None:
        self._plain = [k for k in keywords if " " not in k]
        self._spaced = [k for k in keywords if " " in k]

    def may_affect(self, text: str) -> bool:
        """True if the text contains one of the keywords (after normalisation)."""
        norm = normalise(text)
        collapsed = " ".join(norm.split())
        if any(k in collapsed for k in self._plain):
            return True
        return any(k in collapsed or k.replace(" ", "") in collapsed for k in self._spaced)
