"""Per-principle precision and recall on our own labelled resident answers.

tests/data/principles_labelled.csv has a `split` column: `tuning` answers were written
together with the keyword lists, `fresh` ones were written afterwards and then used to widen
the lists, and `blind` ones were written last and never used to change a keyword. The blind
figures were the honest estimate of keyword-only principle tagging on new wording until the
residents' phrasing of issue 15 was added to the keyword lists; since then the whole file is
also training data for the shipped principle model, and the honest estimate is the blind fifth
of nlp/data/principles_answers.csv (tests/nlp/test_principle_model.py).
"""

from __future__ import annotations

import csv

from bot.core.tagging import read_labelled, run_evaluation
from nlp.metrics import Evaluation
from nlp.normalise import to_simplified
from nlp.tagger import Tagger
from tests.nlp.conftest import PRINCIPLES_CSV

# Floors under the measured figures, so a broken keyword list or matcher fails loudly while
# ordinary keyword edits do not. Measured (keywords only): tuning+fresh macro F1 0.95 before
# issue 15, 0.91 after (P 0.83, R 1.00: the residents' phrasing also finds second principles
# this single-label file does not list); blind macro P 0.42, R 0.25 before, P 0.77, R 0.62 after.
MIN_SEEN_MACRO_F1 = 0.85
MIN_SEEN_RECALL = 0.6
MIN_BLIND_MACRO_PRECISION = 0.3


def _split(name: str) -> list[tuple[str, str]]:
    with PRINCIPLES_CSV.open(encoding="utf-8") as handle:
        return [(r["text"], r["label"]) for r in csv.DictReader(handle) if r["split"] in name]


def _print(title: str, result: Evaluation) -> None:
    print(f"\n{title}: {result.n} answers")
    print(f"  {'principle':<16}{'P':>6}{'R':>6}{'F1':>6}")
    for s in result.per_theme:
        print(f"  {s.label:<16}{s.precision:>6.2f}{s.recall:>6.2f}{s.f1:>6.2f}")
    print(
        f"  {'macro':<16}{result.macro_precision:>6.2f}{result.macro_recall:>6.2f}"
        f"{result.macro_f1:>6.2f}"
    )


def test_labelled_set_is_big_and_balanced(tagger: Tagger) -> None:
    """At least 150 answers, every principle represented, some English and Traditional."""
    examples = read_labelled(PRINCIPLES_CSV)
    assert len(examples) >= 150
    labels = {label for _, label in examples}
    assert labels == {t.id for t in tagger.taxonomy.by_kind("principle")}
    assert sum(text.isascii() for text, _ in examples) >= 20
    assert sum(to_simplified(text) != text for text, _ in examples) >= 10


def test_principles_precision_and_recall_on_seen_answers(tagger: Tagger) -> None:
    """Each principle is found in most answers its keywords were written from."""
    result, _ = run_evaluation(_split("tuning fresh"), tagger, kind="principle")
    _print("principles, tuning + fresh answers", result)
    assert result.macro_f1 >= MIN_SEEN_MACRO_F1
    for s in result.per_theme:
        assert s.recall >= MIN_SEEN_RECALL, s.label


def test_principles_on_blind_answers(tagger: Tagger) -> None:
    """On answers never used for tuning, what keywords find is still mostly right."""
    result, _ = run_evaluation(_split("blind"), tagger, kind="principle")
    _print("principles, blind answers (keywords only)", result)
    assert result.macro_precision >= MIN_BLIND_MACRO_PRECISION
