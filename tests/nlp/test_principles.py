"""Per-principle precision and recall on our own labelled resident answers."""

from __future__ import annotations

from bot.nlp_verbs import read_labelled, run_evaluation
from nlp.normalise import to_simplified
from nlp.tagger import Tagger
from tests.nlp.conftest import PRINCIPLES_CSV

# Floors well under the measured figures (see the printed table), so that a broken keyword
# list or matcher fails loudly while ordinary keyword edits do not.
MIN_MACRO_F1 = 0.75
MIN_PER_PRINCIPLE_RECALL = 0.5


def test_labelled_set_is_big_and_balanced(tagger: Tagger) -> None:
    """At least 150 answers, every principle represented, some English and Traditional."""
    examples = read_labelled(PRINCIPLES_CSV)
    assert len(examples) >= 150
    labels = {label for _, label in examples}
    assert labels == {t.id for t in tagger.taxonomy.by_kind("principle")}
    assert sum(text.isascii() for text, _ in examples) >= 20
    assert sum(to_simplified(text) != text for text, _ in examples) >= 10


def test_principles_precision_and_recall(tagger: Tagger) -> None:
    """Each principle is found in most answers that invoke it, and macro F1 stays high."""
    result, _ = run_evaluation(read_labelled(PRINCIPLES_CSV), tagger, kind="principle")
    print()
    print(f"{'principle':<16}{'P':>7}{'R':>7}{'F1':>7}")
    for s in result.per_theme:
        print(f"{s.label:<16}{s.precision:>7.2f}{s.recall:>7.2f}{s.f1:>7.2f}")
    print(
        f"{'macro':<16}{result.macro_precision:>7.2f}{result.macro_recall:>7.2f}"
        f"{result.macro_f1:>7.2f}"
    )
    assert result.macro_f1 >= MIN_MACRO_F1
    for s in result.per_theme:
        assert s.recall >= MIN_PER_PRINCIPLE_RECALL, s.label
