"""Evaluation figures (nlp/metrics.py) on examples worked out by hand."""

from __future__ import annotations

import pytest

from nlp.metrics import evaluate, evaluate_multilabel, evaluate_sets


def test_multilabel_scores_each_theme_over_its_predictions_and_golds() -> None:
    """One gold label and several predicted: per-theme precision, recall, F1 and support as
    counted by hand, accuracy when the gold label is among the predictions."""
    result = evaluate_multilabel(["a", "a", "b"], [{"a"}, {"b"}, {"a", "b"}], ["a", "b"])
    a, b = result.per_theme
    assert (a.label, a.precision, a.recall, a.f1, a.support) == ("a", 0.5, 0.5, 0.5, 2)
    assert (b.label, b.precision, b.recall, b.support) == ("b", 0.5, 1.0, 1)
    assert b.f1 == pytest.approx(2 / 3)
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.n == 3


def test_single_label_and_sets_agree_with_multilabel_where_they_coincide() -> None:
    """A single predicted label, and gold sets of one, score per theme as the multi-label
    evaluation does; only accuracy differs for sets (their predictions must match exactly)."""
    gold, predicted = ["a", "b", "b"], ["a", "a", "b"]
    single = evaluate(gold, predicted, ["a", "b"])
    multi = evaluate_multilabel(gold, [{p} for p in predicted], ["a", "b"])
    sets = evaluate_sets([{g} for g in gold], [{"a"}, {"a"}, {"b", "a"}], ["a", "b"])
    assert single == multi
    assert single.accuracy == pytest.approx(2 / 3)
    assert [s.support for s in sets.per_theme] == [1, 2]
    assert sets.accuracy == pytest.approx(1 / 3)
