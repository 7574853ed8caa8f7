"""jieba segmentation with the taxonomy's keywords as a user dictionary.

jieba is the only segmenter in the project and this is the only module that imports it.
The big prefix dictionary is built once per process from jieba's on-disk cache (kept in the
user cache directory, so a restart does not rebuild it), in a private `jieba.Tokenizer`: the
bot's words never leak into the global `jieba.dt`. A process nearly always tags against one
taxonomy, so the first keyword set is added to that dictionary itself (a copy would cost
~30 MB); any other keyword set gets a copy with the first set's words taken out again, so
keywords never leak between taxonomies either.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

_LOCK = threading.Lock()
# jieba's dictionary, plus the words the first keyword set added (with their frequencies).
_BASE: jieba.Tokenizer | None = None
_ADDED: dict[str, int] = {}
_BY_KEYWORDS: dict[frozenset[str], jieba.Tokenizer] = {}


def cache_dir() -> Path:
    """Directory for jieba's dictionary cache: $MINYI_CACHE_DIR, else the XDG user cache."""
    explicit = os.environ.get("MINYI_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "minyi"


def _base_tokenizer() -> jieba.Tokenizer:
    """jieba's default dictionary, loaded once per process (from the disk cache if present)."""
    global _BASE
    if _BASE is None:
        # jieba logs its start-up at DEBUG on its own logger; keep it quiet but not silent.
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        directory = cache_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(directory)
        except OSError:
            pass  # unwritable home: jieba falls back to the system temp directory
        tokenizer.initialize()
        _BASE = tokenizer
    return _BASE


def load_dictionary() -> None:
    """Load jieba's dictionary now rather than on first use."""
    with _LOCK:
        _base_tokenizer()


def is_cjk_word(word: str) -> bool:
    """True if the word contains a CJK ideograph (and so belongs in jieba's dictionary)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def tokenizer_for(keywords: Iterable[str]) -> jieba.Tokenizer:
    """A private tokenizer whose dictionary also holds these (normalised) keywords."""
    key = frozenset(keywords)
    with _LOCK:
        cached = _BY_KEYWORDS.get(key)
        if cached is not None:
            return cached
        base = _base_tokenizer()
        if not _BY_KEYWORDS:
            tokenizer = base
        else:
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ = dict(base.FREQ)
            # The first set's words become prefixes again (frequency 0), as they were before:
            # jieba's dictionary holds every prefix of its words with frequency 0.
            tokenizer.FREQ.update(dict.fromkeys(_ADDED, 0))
            tokenizer.total = base.total - sum(_ADDED.values())
            tokenizer.initialized = True
            tokenizer.tmp_dir = base.tmp_dir
        for word in sorted(key):
            if is_cjk_word(word) and " " not in word and not tokenizer.FREQ.get(word):
                # suggest_freq (freq=None) gives the lowest frequency that still lets the
                # word come out whole, so keywords do not swallow better segmentations.
                tokenizer.add_word(word)
                if tokenizer is base:
                    _ADDED[word] = int(base.FREQ[word])
        _BY_KEYWORDS[key] = tokenizer
        return tokenizer


def word_frequency(word: str) -> int:
    """The word's frequency in jieba's general dictionary (0 if unknown)."""
    if word in _ADDED:
        return 0
    freq = _base_tokenizer().FREQ.get(word, 0)
    return int(freq)


def total_frequency() -> int:
    """Sum of all frequencies in jieba's general dictionary."""
    return int(_base_tokenizer().total) - sum(_ADDED.values())
