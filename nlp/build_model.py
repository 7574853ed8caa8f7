"""Rebuild the shipped principle model from the labelled resident answers.

    python -m nlp.build_model [--check | --weak-report]

Reads `nlp/data/principles_answers.csv` (columns `text,labels,split`; labels `;`-separated
theme ids or `none`) and trains on its `train` rows, plus every row of the older
`tests/data/principles_labelled.csv` when the repository is at hand. The `blind` fifth is never
read for training or for choosing thresholds: which rows are blind is fixed by a hash of the
text (`is_blind`), so adding answers never moves an old one between the parts. Writes
`nlp/data/principles_model.npz`; the same inputs give the same weights. `--check` only reports
whether the shipped file is what the inputs build. `--weak-report` lists the principle keywords
whose matches in the train part carry their principle less often than `WEAK_SHARE` (candidates
for the taxonomy's `weak_keywords`), and weak ones that now reach it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from nlp.model import LearnedModel, default_principle_model_path
from nlp.taxonomy import Taxonomy, load_taxonomy

ANSWERS_CSV = default_principle_model_path().with_name("principles_answers.csv")
# The first labelled set (single label per answer); training only, it has no blind part here.
EXTRA_CSV = Path(__file__).resolve().parent.parent / "tests" / "data" / "principles_labelled.csv"
NONE = "none"
_SEED = "minyi-principles-v1\n"
_MAX_TEXT = 2000  # a labelled answer longer than this is a pasting accident
# A principle keyword is weak when, in at least WEAK_MIN_MATCHES train answers it matched, fewer
# than this share carried the principle (see the taxonomy's comment on weak_keywords).
WEAK_SHARE = 0.7
WEAK_MIN_MATCHES = 3


class AnswersFileError(ValueError):
    """A labelled-answers file that cannot be used, with a message naming the problem."""


def is_blind(text: str) -> bool:
    """True for the fifth of answers held back for measuring (fixed by the text's hash)."""
    digest = hashlib.sha256((_SEED + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 5 == 0


def read_answers(path: Path, taxonomy: Taxonomy) -> list[tuple[str, list[str], str]]:
    """Rows of (text, principle ids, split); AnswersFileError names a bad row."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersFileError(f"cannot read {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(content))
    if reader.fieldnames is None or not {"text", "labels", "split"} <= set(reader.fieldnames):
        raise AnswersFileError(f"{path} needs the columns text,labels,split")
    principles = {t.id for t in taxonomy.by_kind("principle")}
    rows: list[tuple[str, list[str], str]] = []
    for line, row in enumerate(reader, start=2):
        text = (row["text"] or "").strip()
        labels = [x.strip() for x in (row["labels"] or "").split(";") if x.strip()]
        split = (row["split"] or "").strip()
        if not text or len(text) > _MAX_TEXT or not labels or split not in ("train", "blind"):
            raise AnswersFileError(f"{path} line {line}: bad text, labels or split")
        unknown = [x for x in labels if x not in principles and x != NONE]
        if unknown or (NONE in labels and len(labels) > 1):
            raise AnswersFileError(f"{path} line {line}: bad labels {labels!r}")
        rows.append((text, [x for x in labels if x != NONE], split))
    return rows


def neutral_examples(taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """Each domain keyword on its own, labelled with no principle.

    A bare topic word (物业, 停车费, 电梯) says what an answer is about, not which principle it
    invokes; without these, a one-word answer sits so close to the few training answers that
    share the word that the model guesses a principle from it.
    """
    principle_words = {k for t in taxonomy.by_kind("principle") for k in t.keywords}
    words: dict[str, None] = {}
    for theme in taxonomy.by_kind("domain"):
        for word in [*theme.keywords, *theme.weak_keywords]:
            if word not in principle_words:
                words[word] = None
    return [(word, []) for word in words]


def training_examples(taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """The train part of the answers, the older labelled set if present, and the bare domain
    keywords as answers with no principle."""
    examples = [
        (text, labels)
        for text, labels, split in read_answers(ANSWERS_CSV, taxonomy)
        if split == "train"
    ]
    if EXTRA_CSV.exists():
        with EXTRA_CSV.open(encoding="utf-8") as handle:
            examples.extend((row["text"], [row["label"]]) for row in csv.DictReader(handle))
    return examples + neutral_examples(taxonomy)


def build(taxonomy: Taxonomy | None = None) -> LearnedModel:
    """Train the principle model from the training examples (deterministic)."""
    from nlp.learn import train_multilabel  # scikit-learn: only when building

    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    labels = [t.id for t in taxonomy.by_kind("principle")]
    return train_multilabel(training_examples(taxonomy), taxonomy, labels)


def keyword_shares(taxonomy: Taxonomy) -> dict[tuple[str, str], tuple[int, int]]:
    """For each (principle, keyword) matched in the train part: in how many answers it matched,
    and how many of those carried the principle."""
    from nlp.tagger import Tagger

    tagger = Tagger(taxonomy, principle_model=None)
    principles = [t.id for t in taxonomy.by_kind("principle")]
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for text, labels, split in read_answers(ANSWERS_CSV, taxonomy):
        if split != "train":
            continue
        _, evidence = tagger.keyword_evidence(text)
        for principle in principles:
            for word in evidence.get(principle, []):
                matched, carried = counts.get((principle, word), (0, 0))
                counts[(principle, word)] = (matched + 1, carried + (principle in labels))
    return counts


def weak_report(taxonomy: Taxonomy) -> list[str]:
    """Lines naming the keywords to make weak, and the weak ones to make strong again."""
    lines: list[str] = []
    for (principle, word), (matched, carried) in sorted(keyword_shares(taxonomy).items()):
        theme = taxonomy.get(principle)
        if theme is None or matched < WEAK_MIN_MATCHES:
            continue
        weak = word in theme.weak_keywords
        if weak != (carried / matched < WEAK_SHARE):
            verdict = "strong again" if weak else "make weak"
            lines.append(f"{principle}: {word!r} {carried}/{matched}: {verdict}")
    return lines


def same_weights(a: LearnedModel, b: LearnedModel) -> bool:
    """True if two models tag alike: the same labels, features and thresholds, and weights
    equal to within floating-point rounding.

    The weights are compared to a millionth, not bit for bit: the solver's arithmetic (BLAS
    kernels picked for the CPU at hand) rounds differently from one machine to another, and a
    model rebuilt on another machine differed from the shipped one by 1.2e-7 at most.
    Thresholds, which decide the tags, must be equal.
    """
    import numpy as np

    return (
        a.labels == b.labels
        and a.vocabulary == b.vocabulary
        and a.thresholds == b.thresholds
        and a.keyword_thresholds == b.keyword_thresholds
        and a.char_ngrams == b.char_ngrams
        and a.ascii_pieces == b.ascii_pieces
        and a.coef.shape == b.coef.shape
        and bool(np.allclose(a.coef, b.coef, rtol=1e-6, atol=1e-6))
        and a.intercept.shape == b.intercept.shape
        and bool(np.allclose(a.intercept, b.intercept, rtol=1e-6, atol=1e-6))
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build the model and write it next to the taxonomy (or, with --check, compare)."""
    parser = argparse.ArgumentParser(description="Rebuild the shipped principle model.")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument(
        "--weak-report", action="store_true", help="list keywords to make weak (or strong)"
    )
    args = parser.parse_args(argv)
    if args.weak_report:
        lines = weak_report(load_taxonomy())
        print("\n".join(lines) if lines else "the taxonomy's weak keywords match the answers")
        return 0
    model = build()
    path = default_principle_model_path()
    if args.check:
        same = path.exists() and same_weights(LearnedModel.load(path), model)
        print(f"{path}: {'up to date' if same else 'differs from what the inputs build'}")
        return 0 if same else 1
    model.save(path)
    assert model.thresholds is not None and model.keyword_thresholds is not None
    backed = model.keyword_thresholds
    limits = ", ".join(
        f"{label} {t:.3f}/{backed[label]:.3f}" for label, t in model.thresholds.items()
    )
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(model.vocabulary)} features)")
    print(f"thresholds (alone/keyword-backed): {limits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
