"""Zero-shot accuracy on the real citizen messages in ../shared/data (skipped if absent)."""

from __future__ import annotations

import pytest

from bot.core.tagging import read_labelled, run_evaluation
from nlp.tagger import Tagger
from tests.nlp.conftest import DEV_CSV

pytestmark = pytest.mark.skipif(not DEV_CSV.exists(), reason=f"{DEV_CSV} not present")

# Issue 15's targets for the shipped taxonomy alone (issue 3 asked for 0.80): macro F1, and no
# first-level category's precision below 0.75 (measured 0.849; lowest precision 0.779).
ZERO_SHOT_MACRO_F1 = 0.82
ZERO_SHOT_MIN_PRECISION = 0.75


def test_zero_shot_macro_f1_over_the_seven_domains(tagger: Tagger) -> None:
    """Taking each message's highest of the seven, keywords alone reach the target macro F1,
    and every first-level category keeps its precision above the floor."""
    result, protocol = run_evaluation(read_labelled(DEV_CSV), tagger, kind="domain")
    print(f"\n{protocol}: macro F1 {result.macro_f1:.3f}, accuracy {result.accuracy:.3f}")
    for s in result.per_theme:
        print(f"  {s.label:<26} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}")
    assert result.macro_f1 >= ZERO_SHOT_MACRO_F1
    for s in result.per_theme:
        assert s.precision >= ZERO_SHOT_MIN_PRECISION, s.label


# Issue 3's target after learning from 50 labelled messages per category.
LEARNED_50_MACRO_F1 = 0.82


def test_learning_from_50_per_category_reaches_the_target(tagger: Tagger) -> None:
    """Learning from 50 messages per category and testing on the rest beats the target."""
    result, protocol = run_evaluation(
        read_labelled(DEV_CSV), tagger, kind="domain", train_per_label=50, seed=1
    )
    print(f"\n{protocol}: macro F1 {result.macro_f1:.3f}, accuracy {result.accuracy:.3f}")
    assert result.macro_f1 >= LEARNED_50_MACRO_F1
