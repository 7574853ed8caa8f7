"""Word segmentation behind one small interface, with the taxonomy's keywords as user words.

Two engines, chosen by the `nlp.segmenter` setting:

- `"jieba-rs"` (the default): the Rust port of jieba through the `rjieba` binding, about 20–30 ×
  faster than pure Python with the same dictionary and the same cutting rules.
- `"jieba"`: jieba itself, pure Python. It is the reference (its dictionary and behaviour are
  what the tags are checked against) and the fallback where `rjieba` cannot be imported (no
  wheel for the platform); the fallback is logged once per process.

Both engines get the same dictionary additions, in the same (sorted) order and by the same rule:
a word with a CJK ideograph and no space that the dictionary does not know yet, or knows with
too low a frequency to come out whole on its own (县道, 上环), is added with the lowest frequency
that lets it come out whole (jieba's `suggest_freq`), so it does not swallow better
segmentations of the text around it.

Keeping the words of different taxonomies apart:

- jieba-rs: every word set gets its own `rjieba.Jieba` instance, whose dictionary is private to
  it (≈ 25 MB and 0.15 s each; a process nearly always tags against one taxonomy). The module
  functions of `rjieba` (its default instance) are never used or changed, and not even built:
  the compiled module is loaded without the package's `__init__` (see `_extension_class`).
- jieba: the big prefix dictionary is built once per process from jieba's on-disk cache (kept in
  the user cache directory, so a restart does not rebuild it), in a private `jieba.Tokenizer`:
  the bot's words never leak into the global `jieba.dt`. The first word set is added to that
  dictionary itself (a copy would cost ~30 MB); any other word set gets a copy with the first
  set's words taken out again.

jieba is imported only when the jieba engine or the general dictionary's frequencies are needed,
so a process segmenting with jieba-rs does not pay for jieba's import at start-up.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

if TYPE_CHECKING:
    import rjieba

Engine = Literal["jieba-rs", "jieba"]
ENGINES: tuple[Engine, ...] = get_args(Engine)
DEFAULT_ENGINE: Engine = "jieba-rs"

# jieba's HMM step (finalseg) cuts what is not Chinese into these runs and what lies between.
_ALNUM_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# Where jieba-rs's HMM step can join what jieba's splits (see _RustSegmenter.cut).
_MERGED_HINT = re.compile(r"[a-zA-Z0-9][^a-zA-Z0-9\u4e00-\u9fd5\s][a-zA-Z0-9]")
_HAN = re.compile(r"[\u4e00-\u9fd5]")

_log = logging.getLogger(__name__)
_LOCK = threading.Lock()
# jieba engine: jieba's dictionary, plus the words the first word set added (with frequencies).
_BASE: Any = None
_ADDED: dict[str, int] = {}
# ... and those words' frequencies before (0: unknown or only a prefix of longer words).
_ORIGINAL: dict[str, int] = {}
_BY_WORDS: dict[tuple[Engine, frozenset[str]], Segmenter] = {}
# Whether the Rust binding imported (None: not tried yet), and its class.
_RUST_OK: bool | None = None
_RUST_CLASS: type[rjieba.Jieba] | None = None
# Words any segmenter added: they are keywords, not general vocabulary (see word_frequency).
_ADDED_ANYWHERE: set[str] = set()
# The general dictionary's frequencies, read from jieba's dict.txt when jieba is not loaded.
_REFERENCE: tuple[dict[str, int], int] | None = None


class Segmenter(Protocol):
    """Cuts text into words; one instance per set of added words."""

    @property
    def engine(self) -> Engine:
        """The engine that actually cuts (after any fallback)."""
        ...

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Words of `text` in order, white space kept; `hmm` regroups unknown characters."""
        ...


class _JiebaSegmenter:
    """jieba (pure Python) over a private tokenizer."""

    engine: Engine = "jieba"

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Words of `text` in order, white space kept."""
        words: list[str] = self.tokenizer.lcut(text, HMM=hmm)
        return words


class _RustSegmenter:
    """jieba-rs over a private `rjieba.Jieba` instance."""

    engine: Engine = "jieba-rs"

    def __init__(self, jieba: rjieba.Jieba) -> None:
        self.jieba = jieba

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Words of `text` in order, white space kept."""
        words = self.jieba.cut(text, hmm)
        if not hmm or _MERGED_HINT.search(text) is None:
            return words
        # jieba-rs's HMM step keeps a letter/digit run, one other character and more digits
        # together (0731-8888, 2-3, x000d_1: its pattern's "." is not escaped); jieba splits
        # them at that character. Split them as jieba does (dictionary words such as AT&T stay).
        fixed: list[str] = []
        for word in words:
            if _ALNUM_RUN.fullmatch(word) or _HAN.search(word) or self.jieba.has_word(word):
                fixed.append(word)
            else:
                fixed.extend(part for part in _ALNUM_RUN.split(word) if part)
        return fixed


def cache_dir() -> Path:
    """Directory for jieba's dictionary cache: $MINYI_CACHE_DIR, else the XDG user cache."""
    explicit = os.environ.get("MINYI_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "minyi"


def _rust_class() -> type[rjieba.Jieba]:
    """rjieba's `Jieba` class, if possible without running the package's `__init__`."""
    global _RUST_CLASS
    if _RUST_CLASS is None:
        _RUST_CLASS = _extension_class() or _package_class()
    return _RUST_CLASS


def _package_class() -> type[rjieba.Jieba]:
    import rjieba

    return rjieba.Jieba


def _extension_class() -> type[rjieba.Jieba] | None:
    """The class from rjieba's compiled module, loaded straight from its file.

    `import rjieba` builds a default dictionary at once (≈ 0.15 s quiet, 0.5 s busy, and ≈ 25 MB)
    that Minyi never uses: every word set gets its own instance. The compiled module is
    registered as `rjieba.rjieba`, so a later `import rjieba` elsewhere reuses it. None if the
    file is not where a normal install puts it (then the package is imported as usual).
    """
    if "rjieba" in sys.modules:
        return None
    try:
        spec = importlib.util.find_spec("rjieba")
    except (ImportError, ValueError):
        return None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"rjieba{suffix}"
            if not path.is_file():
                continue
            loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", str(path))
            found = importlib.util.spec_from_file_location("rjieba.rjieba", path, loader=loader)
            if found is None:
                return None
            module = importlib.util.module_from_spec(found)
            loader.exec_module(module)
            sys.modules["rjieba.rjieba"] = module
            jieba_class: type[rjieba.Jieba] = module.Jieba
            return jieba_class
    return None


def rust_available() -> bool:
    """True if the jieba-rs binding imports here; the first failure is logged (once)."""
    global _RUST_OK
    if _RUST_OK is None:
        try:
            _rust_class()
        except (ImportError, OSError) as exc:
            _log.warning(
                "jieba-rs (rjieba) unavailable (%s): segmenting with jieba, about 20 x slower; "
                "jieba-rs（rjieba）不可用，改用 jieba 分词，速度约慢 20 倍",
                exc,
            )
            _RUST_OK = False
        else:
            _RUST_OK = True
    return _RUST_OK


def resolve_engine(requested: Engine) -> Engine:
    """The engine that will cut for a requested one: jieba when jieba-rs cannot be imported."""
    if requested not in ENGINES:
        raise ValueError(f"unknown segmenter {requested!r}; expected one of {ENGINES}")
    if requested == "jieba-rs" and not rust_available():
        return "jieba"
    return requested


def _base_tokenizer() -> Any:
    """jieba's default dictionary, loaded once per process (from the disk cache if present)."""
    global _BASE
    if _BASE is None:
        import jieba

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


class PosTagger(Protocol):
    """Part-of-speech tagging with jieba's dictionary and tags (`nr` a person's name, …)."""

    def tag(self, text: str) -> list[tuple[str, str]]:
        """The text's words, in order and whole (they join to `text`), with their tags."""
        ...

    def dictionary_tag(self, word: str) -> str | None:
        """The tag jieba's dictionary gives `word`, or None if it does not hold it."""
        ...

    def frequency(self, word: str) -> int:
        """The word's frequency in jieba's dictionary (0 if it does not hold it)."""
        ...


class _RustTagger:
    """jieba-rs's tagger (its own instance, with the general dictionary only): about 0.1 ms
    for a quote and 36 MB."""

    def __init__(self, jieba: rjieba.Jieba) -> None:
        self._jieba = jieba

    def tag(self, text: str) -> list[tuple[str, str]]:
        return [(str(w), str(t)) for w, t in self._jieba.tag(text, True)]

    def dictionary_tag(self, word: str) -> str | None:
        if not self._jieba.has_word(word):
            return None
        tagged = self._jieba.tag(word, False)
        return str(tagged[0][1]) if len(tagged) == 1 else None

    def frequency(self, word: str) -> int:
        # suggest_freq of a word the dictionary holds whole is its frequency (or one above).
        return int(self._jieba.suggest_freq(word)) if self._jieba.has_word(word) else 0


class _JiebaTagger:
    """jieba's `posseg` over the jieba engine's dictionary (where jieba-rs is unavailable):
    about 3 ms for a quote and 180 MB."""

    def __init__(self, tokenizer: Any) -> None:
        import jieba.posseg

        self._posseg = jieba.posseg.POSTokenizer(tokenizer)
        self._freq = tokenizer.FREQ

    def tag(self, text: str) -> list[tuple[str, str]]:
        return [(str(p.word), str(p.flag)) for p in self._posseg.cut(text)]

    def dictionary_tag(self, word: str) -> str | None:
        tag = self._posseg.word_tag_tab.get(word)
        return None if tag is None else str(tag)

    def frequency(self, word: str) -> int:
        return int(self._freq.get(word) or 0)


_POS_TAGGERS: dict[Engine, PosTagger] = {}


def pos_tagger(engine: Engine = DEFAULT_ENGINE) -> PosTagger:
    """The part-of-speech tagger of this process for an engine (built once, on first use):
    jieba-rs's, or jieba's where jieba-rs cannot be imported. Safe to use from several
    threads."""
    actual = resolve_engine(engine)
    with _LOCK:
        tagger = _POS_TAGGERS.get(actual)
        if tagger is None:
            if actual == "jieba-rs":
                tagger = _RustTagger(_rust_class()())
            else:
                tagger = _JiebaTagger(_base_tokenizer())
            _POS_TAGGERS[actual] = tagger
        return tagger


def is_cjk_word(word: str) -> bool:
    """True if the word contains a CJK ideograph (and so belongs in the dictionary)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def _candidates(words: frozenset[str]) -> list[str]:
    """The words to add, in the order both engines add them (order changes suggest_freq)."""
    return [w for w in sorted(words) if is_cjk_word(w) and " " not in w]


def _jieba_segmenter(words: frozenset[str]) -> _JiebaSegmenter:
    import jieba

    base = _base_tokenizer()
    first = not any(engine == "jieba" for engine, _ in _BY_WORDS)
    if first:
        tokenizer = base
    else:
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = dict(base.FREQ)
        # The first set's words get their frequencies back (0: a prefix, as jieba's dictionary
        # holds every prefix of its words with frequency 0); jieba's add_word added each new
        # frequency to the total in full.
        tokenizer.FREQ.update(_ORIGINAL)
        tokenizer.total = base.total - sum(_ADDED.values())
        tokenizer.initialized = True
        tokenizer.tmp_dir = base.tmp_dir
    for word in _candidates(words):
        known = int(tokenizer.FREQ.get(word) or 0)
        if not known or tokenizer.lcut(word, HMM=False) != [word]:
            # freq=None: suggest_freq's lowest frequency that keeps the word whole.
            tokenizer.add_word(word)
            if not known:
                _ADDED_ANYWHERE.add(word)
            if first:
                _ORIGINAL[word] = known
                _ADDED[word] = int(base.FREQ[word])
    return _JiebaSegmenter(tokenizer)


def _rust_segmenter(words: frozenset[str]) -> _RustSegmenter:
    instance = _rust_class()()
    for word in _candidates(words):
        known = instance.has_word(word)
        if not known or instance.cut(word, False) != [word]:
            # freq=None: jieba-rs computes suggest_freq as jieba does.
            instance.add_word(word, None, None)
            if not known:
                _ADDED_ANYWHERE.add(word)
    return _RustSegmenter(instance)


def segmenter_for(words: Iterable[str], engine: Engine = DEFAULT_ENGINE) -> Segmenter:
    """A segmenter (cached per engine and word set) whose dictionary also holds these words.

    `words` are normalised keywords (and any learned vocabulary); the ones with a space or
    without a CJK ideograph are left out (the tagger reassembles those from tokens).
    """
    key = frozenset(words)
    actual = resolve_engine(engine)
    with _LOCK:
        cached = _BY_WORDS.get((actual, key))
        if cached is None:
            cached = _jieba_segmenter(key) if actual == "jieba" else _rust_segmenter(key)
            _BY_WORDS[(actual, key)] = cached
        return cached


def tokenizer_for(keywords: Iterable[str]) -> Any:
    """The private `jieba.Tokenizer` of the jieba engine holding these keywords."""
    segmenter = segmenter_for(keywords, "jieba")
    assert isinstance(segmenter, _JiebaSegmenter)
    return segmenter.tokenizer


def _reference() -> tuple[dict[str, int], int]:
    """jieba's general dictionary as word → frequency, and the frequencies' total."""
    global _REFERENCE
    if _REFERENCE is None:
        import jieba

        freq: dict[str, int] = {}
        total = 0
        # dict.txt lines are "word freq [tag]", UTF-8; read once, only for emerging terms. As in
        # jieba, a word listed twice keeps its last frequency but both count in the total.
        with jieba.Tokenizer().get_dict_file() as source:
            for raw in source:
                parts = raw.decode("utf-8").strip().split(" ")
                if len(parts) >= 2:
                    freq[parts[0]] = int(parts[1])
                    total += int(parts[1])
        _REFERENCE = (freq, total)
    return _REFERENCE


def word_frequency(word: str) -> int:
    """The word's frequency in jieba's general dictionary (0 if unknown or only added here)."""
    if word in _ADDED_ANYWHERE:
        return 0
    with _LOCK:
        if _BASE is not None:
            return _ORIGINAL.get(word, int(_BASE.FREQ.get(word, 0)))
        return _reference()[0].get(word, 0)


def total_frequency() -> int:
    """Sum of all frequencies in jieba's general dictionary (the words added here left out)."""
    with _LOCK:
        if _BASE is not None:
            return int(_BASE.total) - sum(_ADDED.values())
        return _reference()[1]
