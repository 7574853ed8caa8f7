"""Organisers teach the tagger (`/label`, SPEC §3 and §4, issue 15).

An organiser is shown the stored answers the tagger is least sure of (uncertainty sampling:
the principle probabilities closest to their thresholds), says which principles and
first-level domains each really has, and every `nlp.learn_every` labels a principle model is
trained again in a worker thread (intake never waits for it). Labels name answers by id only;
the labeller is a pseudonym.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from storage.repository import Session

# How many of the newest unlabelled answers are scored to find the least certain one: the
# scoring is the tagger's own work (about a millisecond an answer), so this bounds a press.
CANDIDATES = 400


class Agreement(BaseModel):
    """How often the stored tags agree with what organisers labelled (`/label`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    answers: int  # labelled answers still stored
    agreed: int  # of them, those whose principles and first-level domains match exactly
    share: float


def label_choices(taxonomy: Taxonomy) -> list[str]:
    """The themes an organiser labels with: every principle and every first-level domain (a
    child domain is too fine to choose from a keyboard, and reports show it apart anyway)."""
    principles = [t.id for t in taxonomy.themes if t.kind == "principle"]
    domains = [t.id for t in taxonomy.themes if t.kind == "domain" and t.parent is None]
    return principles + domains


def top_level(taxonomy: Taxonomy, theme_ids: Sequence[str]) -> set[str]:
    """These themes as labels: principles and first-level domains, a child as its parent."""
    out: set[str] = set()
    for theme_id in theme_ids:
        theme = taxonomy.get(theme_id)
        if theme is not None:
            out.add(theme.parent or theme.id)
    return out


async def label_agreement(session: Session, taxonomy: Taxonomy) -> Agreement | None:
    """Agreement of the stored tags with organisers' labels; None before the first label."""
    labels = await session.list_labels()
    if not labels:
        return None
    stored = await session.get_answer_themes([answer_id for answer_id, _, _ in labels])
    agreed = sum(
        1
        for answer_id, _, themes in labels
        if top_level(taxonomy, [t.theme_id for t in stored.get(answer_id, [])]) == set(themes)
    )
    return Agreement(answers=len(labels), agreed=agreed, share=round(agreed / len(labels), 4))


def uncertainty(tagger: Tagger, text: str) -> float:
    """How unsure the tagger is of a text, higher is less sure: minus the smallest distance of a
    principle's probability to its threshold (keyword scores to the tagging floor without a
    principle model)."""
    scores = tagger.scores(text)
    model = tagger.principle_model
    limits: dict[str, float] = {}
    if model is not None and model.thresholds is not None:
        limits = dict(model.thresholds)
    if not limits:
        from nlp.tagger import MIN_SCORE

        limits = {t.id: MIN_SCORE for t in tagger.taxonomy.themes}
    return -min(abs(scores.get(theme_id, 0.0) - limit) for theme_id, limit in limits.items())
