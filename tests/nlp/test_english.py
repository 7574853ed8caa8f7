"""English answers: the labelled English set keeps its figures, and English words that say
nothing of a theme on their own (a time of day, a building number, a good job) do not make it.

tests/data/english_answers.csv (223) and english_answers_heldout.csv (50) hold short answers
written for these tests in residents' ways (British and American spelling, plurals, capitals,
typos, Chinese words among English ones), each with its principles and domains (a
community-level domain beside the first-level one it is filed under), or `none`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.tagging import evaluate_labelled_sets, read_multilabelled
from nlp.normalise import normalise
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy

ENGLISH_CSV = Path(__file__).resolve().parents[1] / "data" / "english_answers.csv"
# Written after the keyword changes below, to see whether they hold on answers they were not
# made from.
HELDOUT_CSV = ENGLISH_CSV.with_name("english_answers_heldout.csv")

# `minyi evaluate --labelled tests/data/english_answers.csv` with the default tagger: macro P
# 0.759, R 0.602, F1 0.653 before English keywords were matched as whole words (plurals as
# their singular) and the taxonomy's generic English words made weak or left out, P 0.856,
# R 0.742, F1 0.784 after. On the 50 held-out answers F1 0.713 before, 0.824 after. The floors
# leave room for the principle model's next rebuild.
MACRO_F1_FLOOR = 0.74
MACRO_PRECISION_FLOOR = 0.80
HELDOUT_MACRO_F1_FLOOR = 0.78


def _ids(tagger: Tagger, text: str) -> set[str]:
    return {t.id for t in tagger.tag(text)}


def test_the_english_set_keeps_its_figures(taxonomy: Taxonomy, default_tagger: Tagger) -> None:
    """Over the principles and domains, the default tagger keeps the English set's macro F1
    and precision above their floors; the set covers every theme and answers with none."""
    examples = read_multilabelled(ENGLISH_CSV, taxonomy)
    assert 150 <= len(examples) <= 250
    assert {label for _, labels in examples for label in labels} == {t.id for t in taxonomy.themes}
    assert sum(not labels for _, labels in examples) >= 20
    result, _ = evaluate_labelled_sets(examples, default_tagger)
    print(
        f"\nEnglish answers: macro P {result.macro_precision:.3f} R {result.macro_recall:.3f}"
        f" F1 {result.macro_f1:.3f}, exact {result.accuracy:.3f}"
    )
    assert result.macro_f1 >= MACRO_F1_FLOOR
    assert result.macro_precision >= MACRO_PRECISION_FLOOR


def test_the_held_out_english_answers_keep_their_figure(
    taxonomy: Taxonomy, default_tagger: Tagger
) -> None:
    """On English answers written after the keywords were chosen, macro F1 stays above its
    floor (over the themes those answers name)."""
    examples = read_multilabelled(HELDOUT_CSV, taxonomy)
    assert not {text for text, _ in examples} & {
        text for text, _ in read_multilabelled(ENGLISH_CSV, taxonomy)
    }
    result, _ = evaluate_labelled_sets(examples, default_tagger)
    print(f"\nheld-out English answers: macro F1 {result.macro_f1:.3f}")
    assert result.macro_f1 >= HELDOUT_MACRO_F1_FLOOR


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        # A time of day is no noise.
        ("Parking is impossible at night, cars block the fire lane.", "noise"),
        # A building number is no construction; neither is a job well done work.
        ("I live in building 3 and I like it here.", "urban_rural_construction"),
        ("Good job everyone, the party was great!", "labour_social_security"),
        ("The contractor did a terrible job on the paving.", "labour_social_security"),
        # Owners and an estate are where things happen as often as what they are about.
        ("Dog owners should clean up after their pets.", "property_management"),
        ("The river behind the estate stinks in summer.", "property_management"),
        # Waste of time, lifting a ban, social security.
        ("Three visits for one stamp, what a waste of time.", "waste_sorting"),
        ("Please lift the ban on ball games in the square.", "property_management"),
        ("My social security payments stopped in May.", "community_safety"),
        # A word inside another is not the word: busy, example, fired, nursery, pollution.
        ("Sorry, I was busy and missed the meeting.", "transport"),
        ("Your example was clear, thanks.", "education_culture_sports"),
        ("I was fired last month.", "community_safety"),
        ("The nursery on the corner is lovely.", "health_family_planning"),
        # CCTV in Chinese text is the broadcaster.
        ("昨天CCTV新闻播了我们市的节目", "community_safety"),
    ],
)
def test_a_generic_english_word_does_not_make_the_theme(
    tagger: Tagger, text: str, theme: str
) -> None:
    """Words residents use for many things do not tag a domain on their own."""
    assert theme not in _ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("The bar downstairs plays loud music at night.", "noise"),
        ("Square dancing in the plaza starts at 6am.", "noise"),
        ("The building site next door works on Sundays.", "urban_rural_construction"),
        ("The lift in building 3 has been broken for two weeks.", "property_management"),
        ("The elevator stops between floors.", "property_management"),
        ("Our lifts are never maintained properly.", "property_management"),
        ("The community should publish how the property fee is spent.", "property_management"),
        ("Management fees went up again.", "property_management"),
        ("Homeowners should elect a new owners' committee.", "property_management"),
        ("I lost my job and can't pay the rent.", "labour_social_security"),
        ("Please put food waste bins near block 5.", "waste_sorting"),
        ("Rubbish piles up by the gate.", "waste_sorting"),
        ("Someone stole three bikes, we need better security.", "community_safety"),
        ("There are not enough parking spaces for residents.", "parking"),
        ("The street lights on the east path are out.", "urban_rural_construction"),
        ("Potholes everywhere on the ring road.", "transport"),
        ("Prices at the pharmacies keep rising.", "health_family_planning"),
        ("The new app is too complicated for my mum.", "digital_services"),
        ("Water pressure is very low upstairs.", "utilities"),
        ("We want more care for the elderly living alone.", "elderly_care"),
    ],
)
def test_an_english_answer_gets_its_theme(tagger: Tagger, text: str, theme: str) -> None:
    """Common English words for a theme, plurals and phrases across spaces, tag it."""
    assert theme in _ids(tagger, text)


def test_parking_beside_english_estate_words_is_the_estates(tagger: Tagger) -> None:
    """Parking beside residents, owners or a block counts for 城乡建设, not 交通运输, as 停车
    beside 小区, 业主 or 楼下 does."""
    ids = _ids(tagger, "Visitors take the residents' parking spaces every evening.")
    assert {"parking", "urban_rural_construction"} <= ids
    assert "transport" not in ids
    assert "transport" in _ids(tagger, "Too many cars parked on the main road.")


def test_inflected_english_matches_only_longer_keywords(tagger: Tagger) -> None:
    """-ed, -d, -ing and -ly read a keyword of five letters or more ("enforced", "legally"),
    never a shorter one ("fairly" is no fairness)."""
    _, evidence = tagger.keyword_evidence("The rules are enforced and the fees legally set.")
    assert {"enforce", "legal"} <= set(evidence.get("rule_of_law", []))
    assert "equity" not in tagger.keyword_evidence("Fairly happy with things overall.")[1]


def test_every_keyword_can_be_found(taxonomy: Taxonomy, tagger: Tagger) -> None:
    """Each keyword of the taxonomy, written alone, is found by the matcher (no keyword has more
    tokens than it joins: "care for the elderly", "residents' committee")."""
    matcher = tagger._matcher
    for theme in taxonomy.themes:
        for keyword in [*theme.keywords, *theme.weak_keywords]:
            norm = normalise(keyword)
            found = {word for _, word in matcher.match(tagger.tokens(norm))}
            assert norm in found, (theme.id, keyword)
