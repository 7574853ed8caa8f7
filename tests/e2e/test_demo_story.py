"""The demo's digest tells a true story: its top themes are what the scripted residents meant
(demo/intended.py, written by hand from their words, with no tagger involved)."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from demo.intended import INTENDED
from demo.script import scripted_residents
from tests.e2e.test_demo import run_cli


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[Counter[str], dict[str, int], int]:
    """What the residents who answered meant (theme -> residents), what the digest counted
    (first-level themes -> answers), and how many answered."""
    tmp = tmp_path_factory.mktemp("story")
    out = tmp / "demo-out"
    done = run_cli("demo", "--fast", "--out", str(out), cwd=tmp)
    assert done.returncode == 0, done.stderr
    people = [p for p in scripted_residents(len(INTENDED)) if p.answer]
    meant: Counter[str] = Counter()
    rows = list(csv.DictReader((out / "digest.csv").open(encoding="utf-8-sig")))
    for row in rows:
        # The ending identifies the resident (the start may be redacted: 电话 → [电话]).
        (who,) = [p for p in people if p.answer and p.answer[-12:] == row["text"][-12:]]
        principles, domains = INTENDED[who.name]
        meant.update(principles)
        meant.update(domains)
    digest = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    counted = {t["id"]: t["count"] for t in digest["themes"] if t["level"] == 1}
    assert digest["answers"] == len(rows)
    return meant, counted, len(rows)


def _top(counts: Counter[str] | dict[str, int], ids: set[str], most: int) -> list[str]:
    return sorted((i for i in counts if i in ids), key=lambda i: (-counts[i], i))[:most]


PRINCIPLES = {
    "participation",
    "transparency",
    "accountability",
    "inclusiveness",
    "equity",
    "responsiveness",
    "rule_of_law",
    "efficiency",
    "sustainability",
    "privacy",
}
DOMAINS = {
    "urban_rural_construction",
    "environment",
    "transport",
    "education_culture_sports",
    "labour_social_security",
    "commerce_tourism",
    "health_family_planning",
}


def test_top_principles_are_what_residents_meant(
    story: tuple[Counter[str], dict[str, int], int],
) -> None:
    """The principle most residents meant is among the digest's top two, and the digest's top
    three (its headline) are all among the five most meant, each within 10 points of the share
    of residents who meant it."""
    meant, counted, answers = story
    print("principles meant/counted:", {i: (meant[i], counted.get(i, 0)) for i in PRINCIPLES})
    assert _top(meant, PRINCIPLES, 1)[0] in _top(counted, PRINCIPLES, 2)
    assert set(_top(counted, PRINCIPLES, 3)) <= set(_top(meant, PRINCIPLES, 5))
    for theme in _top(counted, PRINCIPLES, 3):
        assert abs(counted.get(theme, 0) - meant[theme]) / answers <= 0.10, theme


def test_top_domain_is_what_residents_meant(
    story: tuple[Counter[str], dict[str, int], int],
) -> None:
    """The first-level domain most residents meant leads the digest's domains, and no domain is
    off by more than 10 points of the answers."""
    meant, counted, answers = story
    print("domains meant/counted:", {i: (meant[i], counted.get(i, 0)) for i in DOMAINS})
    assert _top(counted, DOMAINS, 1) == _top(meant, DOMAINS, 1)
    for theme in DOMAINS:
        assert abs(counted.get(theme, 0) - meant[theme]) / answers <= 0.10, theme
