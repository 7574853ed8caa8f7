"""Shared fixtures for the nlp tests: one taxonomy and one tagger per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parents[2]
DEV_CSV = REPO.parent / "shared" / "data" / "citizen_messages_dev.csv"
PRINCIPLES_CSV = REPO / "tests" / "data" / "principles_labelled.csv"
ANSWERS_CSV = REPO / "nlp" / "data" / "principles_answers.csv"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """The built-in taxonomy."""
    return load_taxonomy()


@pytest.fixture(scope="session")
def tagger(taxonomy: Taxonomy) -> Tagger:
    """A keyword-only tagger over the built-in taxonomy (no principle model)."""
    return Tagger(taxonomy, principle_model=None)


@pytest.fixture(scope="session")
def default_tagger(taxonomy: Taxonomy) -> Tagger:
    """The tagger a deployment gets by default: keywords plus the shipped principle model."""
    return Tagger(taxonomy)
