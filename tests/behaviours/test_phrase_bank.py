"""The phrase bank: shipped patterns and rules, clause splitting, names, YAML validation and contact-center files."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.behaviours.catalogue import BEHAVIOUR_IDS, BEHAVIOURS, Polarity
from warmline.behaviours.phrase_bank import PhraseBank, customer_names, names_in, shipped_bank, split_clauses
from warmline.encoders import get_encoder
from warmline.errors import ConfigError


def found(text: str, names: tuple[str, ...] = ()) -> dict[str, str]:
    """Behaviour -> evidence text, from the shipped bank's patterns and rules alone."""
    return {m.behaviour: m.text for m in shipped_bank().match(text, customer_names=names)}


def write(tmp_path: Path, body: str, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_phrase_bank_catalogue_lists_every_behaviour_with_polarity() -> None:
    negative = {b.id for b in BEHAVIOURS.values() if b.polarity is Polarity.NEGATIVE}
    assert negative == {"sympathy_pity", "dismissive", "blame", "negative_language", "personal_opinion"}
    assert len(BEHAVIOUR_IDS) == 19
    assert all(b.description and b.name for b in BEHAVIOURS.values())


def test_phrase_bank_shipped_bank_loads_and_covers_the_phrase_bank_behaviours() -> None:
    bank = PhraseBank.load()
    phrase_bank_behaviours = {b.id for b in BEHAVIOURS.values() if b.source.value in ("phrase_bank", "both")}
    assert phrase_bank_behaviours <= set(bank.behaviours)
    for bid in ("ownership", "appreciation", "apology", "next_steps", "check_understanding", "closure_check"):
        assert 20 <= len(bank.behaviours[bid].examples) <= 40, bid
    for bid in ("sympathy_pity", "dismissive", "blame", "negative_language", "personal_opinion"):
        assert 20 <= len(bank.behaviours[bid].examples) <= 40, bid


@pytest.mark.parametrize(
    ("text", "behaviour", "evidence"),
    [
        ("Oh you poor thing, I feel so sorry for you.", "sympathy_pity", "you poor thing"),
        ("Calm down, it'll be fine.", "dismissive", "Calm down"),
        ("Well, that's just how it is.", "dismissive", "that's just how it is"),
        ("You should have read the terms.", "blame", "You should have read"),
        ("That's not my department.", "negative_language", "That's not my department"),
        ("I'll personally make sure this is fixed today.", "ownership", "I'll personally make sure"),
        ("Have we covered everything you wanted to discuss today?", "closure_check", "Have we covered everything"),
        ("If I got that wrong, please correct me.", "check_understanding", "If I got that wrong"),
        ("Thank you for bringing this to our attention.", "appreciation", "Thank you for"),
    ],
)
def test_phrase_bank_patterns_find_clear_cues_with_their_span(text: str, behaviour: str, evidence: str) -> None:
    assert found(text)[behaviour] == evidence


def test_phrase_bank_apology_and_policy_are_both_found() -> None:
    got = found("I'm sorry, but that's policy.")
    assert got["apology"] == "I'm sorry"
    assert got["negative_language"] == "that's policy"


@pytest.mark.parametrize(
    ("text", "not_behaviour"),
    [
        ("I can't wait to get this sorted for you!", "negative_language"),
        ("I can't thank you enough for waiting.", "negative_language"),
        ("Let me calmly walk you through it.", "dismissive"),
        ("I'm so sorry for your loss.", "sympathy_pity"),
        ("You should have received an email on Monday.", "blame"),
        ("I'd appreciate it if you could send a photo.", "appreciation"),
        ("Sorry, could you say that again?", "apology"),
    ],
)
def test_phrase_bank_hard_negatives_are_not_flagged(text: str, not_behaviour: str) -> None:
    assert not_behaviour not in found(text)


def test_phrase_bank_condolence_is_acknowledgement_and_apology() -> None:
    got = found("I'm so sorry for your loss.")
    assert {"acknowledge_emotion", "apology"} <= set(got)


def test_phrase_bank_split_clauses_spans_slice_the_text() -> None:
    text = "I'm sorry, but that's policy.  Anything else?\nThanks — bye"
    clauses = split_clauses(text)
    assert [c.text for c in clauses][:3] == ["I'm sorry, but that's policy.", "I'm sorry", "but that's policy."]
    for c in clauses:
        assert text[c.start : c.end] == c.text


def test_phrase_bank_names_come_from_metadata_and_the_customers_own_words() -> None:
    assert names_in("Hi, this is Maria Lopez, calling about my bill") == ["Maria Lopez", "Maria"]
    assert names_in("my name's Dev and this is ridiculous") == ["Dev"]
    assert names_in("This is Ridiculous.") == []
    assert customer_names({"customer_name": "Ana Ruiz"}, ["I'm worried"]) == ["Ana Ruiz", "Ana"]


def test_phrase_bank_personalisation_by_name_and_history() -> None:
    assert found("Thanks Maria, one moment.", ("Maria",))["personalisation"] == "Maria"
    assert "personalisation" not in found("Thanks Maria, one moment.")
    assert found("Good morning Mr Hughes.")["personalisation"] == "Mr Hughes"
    history = found("I can see you called on Tuesday about this.")
    assert history["personalisation"] == "I can see you called"


def test_phrase_bank_similarity_finds_an_unlisted_wording(tmp_path: Path) -> None:
    path = write(
        tmp_path, "behaviours:\n  reassurance:\n    threshold: 0.6\n    examples: [your money is safe with us]\n"
    )
    bank = PhraseBank.load(path)
    text = "Right. Your savings are completely secure with us."
    clauses = split_clauses(text)
    vectors = get_encoder().encode([c.text for c in clauses])
    [hit] = bank.match(text, vectors, clauses=clauses, encoder=get_encoder())
    assert (hit.behaviour, hit.how, hit.text) == (
        "reassurance",
        "similarity",
        "Your savings are completely secure with us.",
    )
    assert hit.similarity is not None and hit.similarity >= 0.6
    assert 0.0 < hit.confidence < 1.0
    assert bank.match("Right. Your savings are completely secure with us.") == []  # no vectors: patterns only


# --- YAML validation ---------------------------------------------------------------------------

GOOD_ENTRY = """
behaviours:
  ownership:
    threshold: 0.7
    examples: [I'll sort it]
"""


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            "behaviours:\n  empathy_magic:\n    threshold: 0.5\n    examples: [hi]\n",
            "behaviours.empathy_magic",
            "unknown behaviour",
        ),
        ("behaviours:\n  ownership:\n    threshold: 0.5\n", "behaviours.ownership.examples", "missing examples"),
        (
            "behaviours:\n  ownership:\n    threshold: 1.5\n    examples: [x y]\n",
            "behaviours.ownership.threshold",
            "outside",
        ),
        ("behaviours:\n  blame:\n    threshold: -0.1\n    examples: [x y]\n", "behaviours.blame.threshold", "outside"),
        (
            "behaviours:\n  blame:\n    threshold: 0.5\n    examples: [x y]\n    patterns: ['(unclosed']\n",
            "behaviours.blame.patterns[0]",
            "invalid regular expression",
        ),
        (
            "behaviours:\n  blame:\n    threshold: 0.5\n    examples: [x y]\n    not_if: ['[a-']\n",
            "behaviours.blame.not_if[0]",
            "invalid regular expression",
        ),
        (
            "behaviours:\n  blame:\n    threshold: 0.5\n    examples: [x y]\n    exmaples: [z]\n",
            "behaviours.blame.exmaples",
            "unknown field",
        ),
    ],
)
def test_phrase_bank_yaml_errors_name_file_behaviour_and_field(
    tmp_path: Path, body: str, field: str, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        PhraseBank.load(path)
    assert info.value.path == str(path)
    assert info.value.field == field
    assert message in info.value.message
    assert str(path) in str(info.value) and field in str(info.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("head_thresholds:\n  ownership: 0.5\n", "head_thresholds.ownership"),
        ("head_thresholds:\n  information: 1.2\n", "head_thresholds.information"),
        ("head_thresholds:\n  paraphrase: high\n", "head_thresholds.paraphrase"),
        ("head_thresholds: [0.5]\n", "head_thresholds"),
    ],
)
def test_phrase_bank_head_threshold_errors_name_the_field(tmp_path: Path, body: str, field: str) -> None:
    path = write(tmp_path, "behaviours: {}\n" + body, "extra.yaml")
    with pytest.raises(ConfigError) as info:
        PhraseBank.load(extra_paths=[path])
    assert (info.value.path, info.value.field) == (str(path), field)


def test_phrase_bank_extra_file_replaces_a_head_threshold(tmp_path: Path) -> None:
    path = write(tmp_path, "head_thresholds:\n  information: 0.97\n", "extra.yaml")
    assert PhraseBank.load(extra_paths=[path]).head_thresholds["information"] == 0.97


def test_phrase_bank_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "behaviours:\n  ownership:\n    threshold: [0.5\n")
    with pytest.raises(ConfigError) as info:
        PhraseBank.load(path)
    assert info.value.path == str(path) and info.value.line is not None


def test_phrase_bank_bad_extra_file_is_named(tmp_path: Path) -> None:
    bad = write(tmp_path, "behaviours:\n  ownership:\n    threshold: 2\n", "ours.yaml")
    with pytest.raises(ConfigError) as info:
        PhraseBank.load(extra_paths=[bad])
    assert info.value.path == str(bad)
    assert info.value.field == "behaviours.ownership.threshold"


def test_phrase_bank_extra_file_adds_a_phrase_that_is_then_matched(tmp_path: Path) -> None:
    text = "Consider it a Platinum Promise: sorted by teatime."
    assert "ownership" not in {m.behaviour for m in PhraseBank.load().match(text)}
    extra = write(
        tmp_path,
        "behaviours:\n  ownership:\n    patterns: ['\\bplatinum promise\\b']\n"
        "    examples: [you have my platinum promise]\n",
        "acme.yaml",
    )
    bank = PhraseBank.load(extra_paths=[extra])
    hit = {m.behaviour: m for m in bank.match(text)}["ownership"]
    assert hit.text == "Platinum Promise"
    assert "you have my platinum promise" in bank.behaviours["ownership"].examples
    assert bank.behaviours["ownership"].threshold == PhraseBank.load().behaviours["ownership"].threshold
    assert bank.paths[-1] == str(extra)


def test_phrase_bank_extra_example_is_matched_by_similarity(tmp_path: Path) -> None:
    extra = write(
        tmp_path, "behaviours:\n  appreciation:\n    examples: [cheers for being a gold member since day one]\n"
    )
    bank = PhraseBank.load(extra_paths=[extra])
    text = "Cheers for being a gold member since day one."
    clauses = split_clauses(text)
    vectors = get_encoder().encode([c.text for c in clauses])
    matches = {m.behaviour: m for m in bank.match(text, vectors, clauses=clauses, encoder=get_encoder())}
    assert matches["appreciation"].how in ("similarity", "pattern")
    assert matches["appreciation"].text.startswith("Cheers")
