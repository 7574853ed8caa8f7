"""Precision, recall and F1 per theme, and their macro average."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class ThemeScore(BaseModel):
    """Precision, recall and F1 of one theme (label) over a set of predictions."""

    model_config = ConfigDict(frozen=True)

    label: str
    precision: float
    recall: float
    f1: float
    support: int


class Evaluation(BaseModel):
    """Per-theme scores and their unweighted (macro) mean."""

    model_config = ConfigDict(frozen=True)

    per_theme: list[ThemeScore]
    macro_precision: float
    macro_recall: float
    macro_f1: float
    accuracy: float
    n: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> Evaluation:
    """Single-label evaluation: one gold and one predicted label per item.

    `labels` fixes which labels are scored and in which order (default: every gold label,
    sorted); a label never predicted has precision 0.
    """
    scored = list(labels) if labels is not None else sorted(set(gold))
    # One predicted label is a set of one: the multi-label counts are then exactly these.
    return evaluate_multilabel(gold, [{p} for p in predicted], scored)


def evaluate_multilabel(
    gold: Sequence[str], predicted: Sequence[set[str]], labels: Sequence[str]
) -> Evaluation:
    """Multi-label evaluation: each item has one gold label and any number of predicted ones.

    Used for principles, where an answer may carry several; an item counts as correct for
    accuracy when its gold label is among its predictions.
    """
    # One gold label is a set of one: per theme, the counts are exactly `evaluate_sets`'.
    by_sets = evaluate_sets([{g} for g in gold], predicted, labels)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g in p)
    return by_sets.model_copy(update={"accuracy": correct / len(gold) if gold else 0.0})


def evaluate_sets(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], labels: Sequence[str]
) -> Evaluation:
    """Multi-label evaluation where items may have several gold labels, or none.

    Per label: precision over the items predicted with it, recall over the items whose gold
    has it. An item counts as correct for accuracy when its predicted set equals its gold set
    (restricted to `labels`).
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    wanted = set(labels)
    per_theme: list[ThemeScore] = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        n_pred = sum(1 for p in predicted if label in p)
        n_gold = sum(1 for g in gold if label in g)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        per_theme.append(
            ThemeScore(
                label=label,
                precision=precision,
                recall=recall,
                f1=_f1(precision, recall),
                support=n_gold,
            )
        )
    count = len(per_theme) or 1
    exact = sum(1 for g, p in zip(gold, predicted, strict=True) if g & wanted == p & wanted)
    return Evaluation(
        per_theme=per_theme,
        macro_precision=sum(s.precision for s in per_theme) / count,
        macro_recall=sum(s.recall for s in per_theme) / count,
        macro_f1=sum(s.f1 for s in per_theme) / count,
        accuracy=exact / len(gold) if gold else 0.0,
        n=len(gold),
    )


def evaluate_rows(
    texts: Sequence[str],
    gold: Sequence[str],
    predicted: Sequence[set[str]],
    labels: Sequence[str],
) -> Evaluation:
    """Rows of one gold label each, where a text with several themes is several rows (a
    `text,label` file): per theme over the distinct texts, each with its rows' labels, so a
    theme predicted for a text is right when any of its rows names it (not a false positive
    on the others); accuracy per row, its label among its text's predictions. Without repeated
    texts this is `evaluate_multilabel`."""
    if not len(texts) == len(gold) == len(predicted):
        raise ValueError("texts, gold and predicted differ in length")
    gold_of: dict[str, set[str]] = {}
    predicted_of: dict[str, set[str]] = {}
    for text, label, found in zip(texts, gold, predicted, strict=True):
        gold_of.setdefault(text, set()).add(label)
        predicted_of[text] = found
    by_text = evaluate_sets(list(gold_of.values()), list(predicted_of.values()), labels)
    correct = sum(1 for t, g in zip(texts, gold, strict=True) if g in predicted_of[t])
    return by_text.model_copy(
        update={"accuracy": correct / len(gold) if gold else 0.0, "n": len(gold)}
    )
