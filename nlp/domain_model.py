"""A multi-label model of the first-level service domains, learned from organisers' labels
(`/label`, `minyi learn` with a `labels` column; SPEC §4, issue 15).

Domains are tagged from the taxonomy's keywords. Once organisers have said which first-level
domains some answers really have, a multi-label model (the same kind as the principle model,
`nlp.model`) learns from those answers and from the taxonomy itself, and the tagger may then
tag a first-level domain the keywords missed when the model is confident (`nlp.tagger`).

What a label says about domains: a label that names at least one domain (a child counts as its
first-level parent) is taken as the organiser's complete word on the answer's first-level
domains, so the domains it leaves out are domains the answer does not have. A label naming
principles only (or nothing) says nothing about domains: the /label keyboard opens on the
principles page, and an organiser who never turned to the domains page told us nothing about
them; such an answer does not teach the domain model at all.

Beside the labels, the model learns from base examples so that a few labels do not wipe out
the keyword behaviour: each domain's name and keywords (its children's too) as a one-word
answer with that first-level domain, and the principles' own words as answers with no domain.
Its thresholds are chosen as the principle model's are (`nlp.learn.train_multilabel`), and
the tagger uses it the same way: a domain the keywords point to from the lower keyword
threshold, any other from the threshold, showing the words that weighed most.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.model import LearnedModel
from nlp.taxonomy import Taxonomy

# Labels naming a domain needed before a domain model is learned. The base examples are one-word
# answers, and a model that learned from them alone decides poorly on whole answers: on a
# thousand of the development messages (../shared/data), with keyword tagging at macro recall
# 0.95, it kept 0.76; after 20 labelled messages it kept 0.93 and raised precision from 0.51
# to 0.62 (macro F1 0.66 -> 0.73).
MIN_DOMAIN_LABELS = 10


def domain_labels(taxonomy: Taxonomy) -> list[str]:
    """The ids a domain model learns: the first-level domains, in taxonomy order."""
    return [t.id for t in taxonomy.themes if t.kind == "domain" and t.parent is None]


def domain_part(taxonomy: Taxonomy, themes: Sequence[str]) -> list[str] | None:
    """The first-level domains a label says an answer has (a child domain as its first-level
    root), or None when the label names no domain and so says nothing about them."""
    found: set[str] = set()
    for theme_id in themes:
        theme = taxonomy.get(theme_id)
        if theme is not None and theme.kind == "domain":
            found.add(taxonomy.root_of(theme.id))
    wanted = domain_labels(taxonomy)
    return [d for d in wanted if d in found] or None


def domain_base_examples(taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """What the domain model learns from before any label: every domain's name and keywords
    (its children's too, weak ones left out) labelled with their first-level domain(s), and
    the principles' keywords and names that are no domain's words labelled with none."""
    roots: dict[str, set[str]] = {}
    for theme in taxonomy.themes:
        if theme.kind != "domain":
            continue
        weak = set(theme.weak_keywords)
        for word in [theme.name_zh, *theme.keywords]:
            if word and word not in weak:
                roots.setdefault(word, set()).add(taxonomy.root_of(theme.id))
    order = domain_labels(taxonomy)
    examples = [(word, [d for d in order if d in found]) for word, found in roots.items()]
    neutral: dict[str, None] = {}
    for theme in taxonomy.by_kind("principle"):
        for word in [theme.name_zh, *theme.keywords]:
            if word and word not in roots:
                neutral[word] = None
    return examples + [(word, []) for word in neutral]


def domain_examples(
    taxonomy: Taxonomy, labelled: Sequence[tuple[str, Sequence[str]]]
) -> list[tuple[str, list[str]]]:
    """The labelled answers that teach domains (see `domain_part`), with their first-level
    domains; a text labelled twice keeps its last label."""
    chosen: dict[str, list[str]] = {}
    for text, themes in labelled:
        domains = domain_part(taxonomy, themes)
        if domains is not None:
            chosen[text] = domains
        else:
            chosen.pop(text, None)
    return list(chosen.items())


def train_domains(
    labelled: Sequence[tuple[str, Sequence[str]]], taxonomy: Taxonomy
) -> LearnedModel | None:
    """A first-level domain model from organisers' labels and the base examples (a labelled
    text that is also a base example takes the organiser's word); None while fewer than
    MIN_DOMAIN_LABELS labels say anything about domains. Pure and slow (seconds): run it in a
    thread."""
    from nlp.learn import train_multilabel  # scikit-learn: only when learning

    theirs = dict(domain_examples(taxonomy, labelled))
    if len(theirs) < MIN_DOMAIN_LABELS:
        return None
    base = [(t, ls) for t, ls in domain_base_examples(taxonomy) if t not in theirs]
    # Without the principle model's no-theme row: it was measured for principles only.
    return train_multilabel(
        base + list(theirs.items()), taxonomy, domain_labels(taxonomy), no_theme=False
    )
