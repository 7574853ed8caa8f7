"""Text normalisation for tagging: one script, one width, one case, no emoji or URLs."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from types import ModuleType


def _import_zhconv() -> ModuleType:
    """zhconv, imported without pkg_resources.

    zhconv finds its dictionary through pkg_resources when that imports, and importing it costs
    ≈ 0.2 s of every start-up (it scans every installed distribution); zhconv's fallback opens
    the same file next to its own module. Left alone if either is imported already.
    """
    if "zhconv" in sys.modules or "pkg_resources" in sys.modules:
        import zhconv as already

        found: ModuleType = already
        return found
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import zhconv
    finally:
        del sys.modules["pkg_resources"]
    loaded: ModuleType = zhconv
    return loaded


zhconv = _import_zhconv()

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|cn|net|org)(?:/\S*)?", re.I)
# Emoji and pictographs, dingbats, variation selectors, zero-width joiner, skin tones, flags.
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x1F1E6, 0x1F1FF),
    (0x2B00, 0x2BFF),
    (0xFE0E, 0xFE0F),
    (0x200D, 0x200D),
    (0xE0020, 0xE007F),
)
_EMOJI = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _EMOJI_RANGES) + "]+")
_SPACES = re.compile(r"\s+")
# What every match of _URL holds (so a text without it has no URL to remove).
_MAYBE_URL = re.compile(r"://|www\.|\.(?:com|cn|net|org)", re.I)

# Full-width ASCII (U+FF01..U+FF5E) to half-width, and the ideographic space to a space.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


# Lone UTF-16 surrogates: JSON may carry them ("\ud800"), no UTF-8 database can store them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` as every backend stores it alike: each lone surrogate replaced by U+FFFD (the
    replacement character), so it can be encoded as UTF-8, and U+0000 dropped (SQLite keeps
    it, PostgreSQL refuses any text holding it; the web form drops it too)."""
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "")


# Characters that show nothing on their own: fillers and the blank Braille pattern people use
# to send a message that looks empty, the replacement character (what is left of bytes that
# were no text), variation selectors.
_BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0\ufffd") | frozenset(
    map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
)


def utf16_length(text: str) -> int:
    """A text's length in UTF-16 units, as Telegram measures its limits (a message's 4096, a
    poll question's 300): a character beyond the first plane, such as most emoji, counts two."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def has_readable(text: str) -> bool:
    """Whether the text shows anything: a character that is not white space, not a format or
    control character (zero-width space, byte-order mark, direction marks), not blank."""
    return any(
        not char.isspace() and char not in _BLANK and unicodedata.category(char) not in ("Cf", "Cc")
        for char in text
    )


def fold_width(text: str) -> str:
    """Full-width Latin letters, digits and ASCII punctuation to half-width."""
    # translate() with a table is slow on Chinese text; most texts have nothing to fold.
    return text.translate(_WIDTH) if _WIDE.search(text) else text


_CHANGING: tuple[frozenset[str], re.Pattern[str]] | None = None
# The phrases of that regex, longest first.
_PHRASES: list[str] = []


def _changing() -> tuple[frozenset[str], re.Pattern[str]]:
    """Characters, and phrases without such a character, that zhconv's zh-cn table changes."""
    global _CHANGING, _PHRASES
    if _CHANGING is None:
        from zhconv import zhconv as tables

        changing = [k for k, v in tables.getdict("zh-cn").items() if k != v]
        chars = frozenset(k for k in changing if len(k) == 1)
        phrases = sorted(
            (k for k in changing if len(k) > 1 and chars.isdisjoint(k)), key=len, reverse=True
        )
        # A set, not a character class: sre scans a 4,700-character class slowly.
        _PHRASES = phrases
        _CHANGING = (chars, re.compile("|".join(re.escape(p) for p in phrases)))
    return _CHANGING


def to_simplified(text: str) -> str:
    """Traditional Chinese to Simplified (phrase-aware, via zhconv)."""
    # zhconv matches the longest table entry at each position in pure Python (≈ 1 ms for a
    # long message); a text in which no entry that changes anything occurs comes out as it
    # went in, and most residents write Simplified: a set and a regex pass (≈ 2.5 x cheaper)
    # tell.
    chars, phrases = _changing()
    if chars.isdisjoint(text) and phrases.search(text) is None:
        return text
    return str(zhconv.convert(text, "zh-cn"))


def normalise(text: str) -> str:
    """Fold a resident's text for matching: Traditional→Simplified, full→half width,
    casefold, URLs and emoji removed, runs of white space collapsed.

    The stored answer keeps the original; this is only what the tagger reads.
    """
    text = unicodedata.normalize("NFC", text)
    text = fold_width(text)
    if "." in text or "://" in text:  # every URL the pattern knows has one or the other
        text = _URL.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = to_simplified(text)
    text = text.casefold()
    return _SPACES.sub(" ", text).strip()


# What a character can ask of `normalise_many` (bits of `_Tables.flags`).
_CHANGES = 1  # zhconv's zh-cn table changes it
_IS_EMOJI = 2
_IS_SPACE = 4


class _Tables:
    """Per code point, what normalising needs to do about it; and the first two characters of
    each phrase that zhconv changes without holding a changing character."""

    def __init__(self) -> None:
        import numpy as np

        chars, _ = _changing()
        flags = np.zeros(0x110000, dtype=np.uint8)
        flags[np.fromiter(map(ord, chars), dtype=np.intp, count=len(chars))] |= _CHANGES
        for first, last in _EMOJI_RANGES:
            flags[first : last + 1] |= _IS_EMOJI
        # White space as \s and str.strip see it; there is none above U+3000 (tested).
        flags[[c for c in range(0x3001) if chr(c).isspace()]] |= _IS_SPACE
        self.flags = flags
        # Every phrase has at least two characters; keys as `_bigrams` makes them.
        self.phrases_at: dict[str, list[str]] = {}
        for phrase in _PHRASES:
            self.phrases_at.setdefault(phrase[:2], []).append(phrase)
        self.phrase_starts = np.unique(
            np.array([(ord(p[0]) << 21) | ord(p[1]) for p in _PHRASES], dtype=np.uint64)
        )


_TABLES: _Tables | None = None


def normalise_many(texts: Sequence[str]) -> list[str]:
    """`normalise` of each text, in order (the same strings, much faster on a batch).

    Which steps a text needs is read from a table per character for the whole batch at once:
    full width is folded for every text in one pass, and Traditional→Simplified, emoji and
    white space are only looked at in the texts that hold such a character (or, for zhconv's
    phrases, the first two characters of one).
    """
    global _TABLES
    import numpy as np

    if _TABLES is None:
        _TABLES = _Tables()
    tables = _TABLES
    texts = [unicodedata.normalize("NFC", text) for text in texts]
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # One trailing NUL keeps reduceat's indices in range when the last texts are empty.
    joined = "".join(texts) + "\0"
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = ((codes >= 0xFF01) & (codes <= 0xFF5E)) | (codes == 0x3000)
    if wide.any():
        codes = np.where(codes == 0x3000, 0x20, np.where(wide, codes - 0xFEE0, codes))
        codes = codes.astype(np.uint32)
        joined = codes.tobytes().decode("utf-32-le", "surrogatepass")
        texts = [joined[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    flags = np.bitwise_or.reduceat(tables.flags[codes], starts).tolist()
    # Where the first two characters of a changing phrase occur, by text (a pair across two
    # texts is simply not found in either).
    pairs = (codes[:-1].astype(np.uint64) << np.uint64(21)) | codes[1:]
    found = np.searchsorted(tables.phrase_starts, pairs)
    found[found == len(tables.phrase_starts)] = 0
    hits = np.flatnonzero(tables.phrase_starts[found] == pairs)
    maybe: dict[int, list[int]] = {}
    if len(hits):
        owners = np.searchsorted(ends, hits, side="right")
        local = hits - starts[np.minimum(owners, len(texts) - 1)]
        for owner, position in zip(owners.tolist(), local.tolist(), strict=True):
            maybe.setdefault(owner, []).append(position)
    out: list[str] = []
    for number, text in enumerate(texts):
        flag = flags[number] if text else 0
        moved = False
        if ("." in text or "://" in text) and _MAYBE_URL.search(text) is not None:
            text, moved = _URL.sub(" ", text), True
        if flag & _IS_EMOJI:
            text, moved = _EMOJI.sub(" ", text), True
        if flag & _CHANGES:
            text = str(zhconv.convert(text, "zh-cn"))
        elif number in maybe:
            if moved:  # the phrase positions no longer hold: look again
                text = to_simplified(text)
            elif any(
                text.startswith(phrase, at)
                for at in maybe[number]
                for phrase in tables.phrases_at.get(text[at : at + 2], ())
            ):
                text = str(zhconv.convert(text, "zh-cn"))
        text = text.casefold()
        # Nothing after the emoji step makes white space (zhconv's tables and casefold hold
        # none), so a text without any needs neither collapsing nor stripping.
        out.append(_SPACES.sub(" ", text).strip() if moved or flag & _IS_SPACE else text)
    return out
