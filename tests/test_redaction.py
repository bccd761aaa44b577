"""PII redaction: detectors, overlap resolution, idempotence, conversations and the labelled case set."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest

from warmline.errors import ConfigError
from warmline.model import Channel, Conversation, Role, Turn
from warmline.redaction import (
    REDACTION_VERSION,
    Detection,
    PIIKind,
    RedactionPolicy,
    detect_accounts,
    detect_addresses,
    detect_cards,
    detect_dates_of_birth,
    detect_emails,
    detect_phone_numbers,
    detect_security_codes,
    detect_ssns,
    luhn_valid,
    normalise_spoken_digits,
    redact_conversation,
    redact_text,
    resolve_overlaps,
)

CASES = Path(__file__).parent / "fixtures" / "redaction_cases.jsonl"


def found(detections: list[Detection], text: str) -> list[tuple[str, str]]:
    return [(d.kind.name, text[d.start : d.end]) for d in detections]


def redacted(text: str, **kwargs: Any) -> str:
    return redact_text(text, **kwargs).text


def load_cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- policy ------------------------------------------------------------------------------------


def test_redaction_policy_default_is_everything_but_account() -> None:
    policy = RedactionPolicy()
    assert policy.kinds == frozenset(PIIKind) - {PIIKind.ACCOUNT}
    assert policy.names == ("card", "cvv", "ssn", "phone", "email", "address", "dob")


def test_redaction_policy_from_names_switches_on_only_those() -> None:
    assert RedactionPolicy.from_names(["card", "EMAIL"]).kinds == {PIIKind.CARD, PIIKind.EMAIL}
    assert RedactionPolicy.from_names("card, account").kinds == {PIIKind.CARD, PIIKind.ACCOUNT}
    assert RedactionPolicy.from_names(["[CVV]"]).kinds == {PIIKind.CVV}
    assert RedactionPolicy.from_names([]).kinds == frozenset()


def test_redaction_policy_from_names_rejects_unknown_kind() -> None:
    with pytest.raises(ConfigError) as caught:
        RedactionPolicy.from_names(["card", "name"])
    assert "'name'" in str(caught.value)
    assert "card, cvv, ssn, phone, email, address, dob, account" in str(caught.value)


def test_redaction_policy_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RedactionPolicy().card = False  # type: ignore[misc]


def test_redaction_policy_limits_what_is_redacted() -> None:
    text = "card 4111 1111 1111 1111, email jo@example.com, phone 07700 900123"
    assert redacted(text, policy=RedactionPolicy.from_names(["card"])) == (
        "card [CARD], email jo@example.com, phone 07700 900123"
    )
    assert (
        redacted(text, policy=RedactionPolicy(card=False)) == "card 4111 1111 1111 1111, email [EMAIL], phone [PHONE]"
    )
    assert redacted(text, policy=RedactionPolicy.from_names([])) == text


# --- spoken digits -----------------------------------------------------------------------------


def test_redaction_spoken_digits_map_back_to_the_words() -> None:
    text = "it's oh seven double five, uh, 12 nine"
    (run,) = normalise_spoken_digits(text)
    assert run.digits == "0755129"
    assert text[run.start : run.end] == "oh seven double five, uh, 12 nine"
    assert text[slice(*run.source_span(2, 4))] == "double five"  # both 5s come from one phrase
    assert text[slice(*run.source_span(4, 6))] == "12"


def test_redaction_spoken_digits_need_a_digit_word_and_stop_at_other_number_words() -> None:
    assert normalise_spoken_digits("4532 0151 1283 0366") == []  # written numbers are not spoken runs
    assert [r.digits for r in normalise_spoken_digits("forty two, then seven eight")] == ["2", "78"]
    assert [r.digits for r in normalise_spoken_digits("at five o'clock")] == ["5"]


def test_redaction_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


# --- cards -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "3782 822463 10005",  # Amex 4-6-5
        "3056 9309 0259 04",  # Diners, 14 digits
        "4917 6100 0000 0000 003",  # 19 digits
        "٤١١١ ١١١١ ١١١١ ١١١١",  # Arabic-Indic digits
    ],
)
def test_redaction_cards_written(number: str) -> None:
    text = f"my card is {number}."
    assert found(detect_cards(text), text) == [("CARD", number)]


def test_redaction_cards_that_fail_luhn_are_order_numbers() -> None:
    for text in ("order 4111 1111 1111 1112", "ref 1234567812345678", "1234 5678 9012 3456 7890 1234"):
        assert detect_cards(text) == []
    assert redacted("My order number is 4929 1234 5678 9012.") == "My order number is 4929 1234 5678 9012."


def test_redaction_cards_need_a_card_industry_digit() -> None:
    assert luhn_valid("9111111111111110")
    assert detect_cards("meter 9111 1111 1111 1110") == []


def test_redaction_cards_followed_by_expiry_or_code_in_one_chain() -> None:
    text = "4111 1111 1111 1111 0427 and 1234 4111 1111 1111 1111"
    assert found(detect_cards(text), text) == [("CARD", "4111 1111 1111 1111"), ("CARD", "4111 1111 1111 1111")]


def test_redaction_cards_glued_to_letters_or_decimals_are_not_cards() -> None:
    assert detect_cards("tracking 1Z4111111111111111") == []
    assert detect_cards("total £4111111111111111") == []


def test_redaction_cards_spoken_as_digits() -> None:
    text = "yeah it's four five three two, oh one five one, one two eight three, oh three six six, thanks"
    assert found(detect_cards(text), text) == [
        ("CARD", "four five three two, oh one five one, one two eight three, oh three six six")
    ]
    doubled = "five five double five, five five five five, um, five five five five, four four four four"
    assert redacted(doubled) == "[CARD]"


def test_redaction_cards_spoken_that_fail_luhn_stay() -> None:
    text = "four five three two, oh one five one, one two eight three, oh three six seven"
    assert detect_cards(text) == []


def test_redaction_cards_spoken_then_more_digits() -> None:
    text = "four one one one one one one one one one one one one one one one oh four two seven"
    assert found(detect_cards(text), text) == [("CARD", text[: text.index(" oh four")])]


# --- security codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and the CVV is 123", "and the CVV is [CVV]"),
        ("CVC: 0412", "CVC: [CVV]"),
        ("the three digits on the back are 921", "the three digits on the back are [CVV]"),
        ("737, that's the security code", "[CVV], that's the security code"),
        ("the security code is seven three seven", "the security code is [CVV]"),
        ("the code on the back of your card is 123", "the code on the back of your card is [CVV]"),
        ("my PIN is 1234", "my PIN is [CVV]"),  # a card PIN is a security code too
    ],
)
def test_redaction_security_codes_in_context(text: str, expected: str) -> None:
    assert redacted(text) == expected


def test_redaction_security_codes_need_context() -> None:
    for text in (
        "I waited 737 days",
        "room 412",
        "one two three, can you hear me?",
        "the code on the back of the router is 1234",
    ):
        assert detect_security_codes(text) == []


def test_redaction_security_codes_take_the_nearest_number_only() -> None:
    text = "security code is 123 and my order is 4471"
    assert found(detect_security_codes(text), text) == [("CVV", "123")]
    assert detect_security_codes("the security code cost £123.00") == []


def test_redaction_security_codes_answer_the_previous_turn() -> None:
    assert redacted("It's 737.", preceding="And the three digits on the back of the card?") == "It's [CVV]."
    assert redacted("seven three seven", preceding="What's the CVV?") == "[CVV]"
    assert redacted("It's 737.", preceding="How many days did you wait?") == "It's 737."
    # only an answer at the start of the turn
    long_turn = "Sorry, I was just looking for it in my bag and the kids were shouting, it's 737."
    assert redacted(long_turn, preceding="And the CVV?") == long_turn


# --- SSNs --------------------------------------------------------------------------------------


def test_redaction_ssns_dashed_or_spaced() -> None:
    text = "SSN 219-09-9999, old one 457 55 5462"
    assert found(detect_ssns(text), text) == [("SSN", "219-09-9999"), ("SSN", "457 55 5462")]


@pytest.mark.parametrize("number", ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000"])
def test_redaction_ssns_never_issued_ranges_are_not_ssns(number: str) -> None:
    assert detect_ssns(f"SSN {number}") == []


def test_redaction_ssns_undashed_need_context() -> None:
    assert redacted("my social is 078051120") == "my social is [SSN]"
    assert redacted("order 078051120 shipped") == "order 078051120 shipped"
    assert redacted("social security, four five seven five five five four six two") == "social security, [SSN]"


# --- phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "1-800-555-0199",
        "+1 646 555 0199",
        "+447700900123",
        "+44 7911 123456",
        "+44 (0)20 7946 0958",
        "07700 900123",
        "07700900123",
        "020 7946 0958",
        "0161-496-0000",
    ],
)
def test_redaction_phone_numbers_written(number: str) -> None:
    text = f"it's {number}, thanks"
    assert found(detect_phone_numbers(text), text) == [("PHONE", number)]


@pytest.mark.parametrize(
    "text",
    [
        "order 4471-2290 is late",
        "it cost £48.00",
        "see you at 10:30",
        "booked for 12/03/2026",
        "dated 12.03.2026",
        "serial 4929 1234 5678 9012",
        "ref 555-0199",
        "case 5551234567",
        "version 3.14.2",
        "ISO date 2026-03-12",
    ],
)
def test_redaction_phone_numbers_hard_negatives(text: str) -> None:
    assert detect_phone_numbers(text) == []


def test_redaction_phone_numbers_short_forms_need_a_phone_cue() -> None:
    assert redacted("call me on 555-0199") == "call me on [PHONE]"
    assert redacted("my mobile is 5551234567") == "my mobile is [PHONE]"


def test_redaction_phone_numbers_with_an_international_dialling_prefix() -> None:
    assert redacted("a call from 00966 0114713812 today") == "a call from [PHONE] today"
    assert redacted("Your case number is 00458812") == "Your case number is 00458812"


def test_redaction_phone_numbers_answer_the_previous_turn() -> None:
    assert redacted("8324394039", preceding="Please send us the best number to reach you.") == "[PHONE]"
    # a handle followed by "Oh" is not a number read out
    assert (
        redacted("@312190 Oh no! I apologize.", preceding="2 hours for a call back?") == "@312190 Oh no! I apologize."
    )


def test_redaction_phone_numbers_spoken() -> None:
    assert redacted("my phone number is five five five, one two three, four five six seven") == (
        "my phone number is [PHONE]"
    )
    # a UK mobile read out needs no cue: nothing else has that shape
    assert redacted("it's oh seven seven double oh, nine double oh, one two three") == "it's [PHONE]"
    assert redacted("plus four four seven seven double oh nine double oh one two three") == "[PHONE]"
    assert redacted("it's five five five, one two three, four five six seven") == (
        "it's five five five, one two three, four five six seven"
    )


# --- e-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jo.smith+bills@example.co.uk now", "mail [EMAIL] now"),
        ("Email: maria.gonzález@correo.es", "Email: [EMAIL]"),
        ("my email is john dot smith at example dot com", "my email is [EMAIL]"),
        ("it's priya underscore shah at example dot org", "it's [EMAIL]"),
        ("it's mike at gmail dot com", "it's [EMAIL]"),
        ("tom dot baker at hotmail dot co dot uk", "[EMAIL]"),
        ("my email is john smith at gmail dot com", "my email is [EMAIL]"),  # the transcript split the local part
    ],
)
def test_redaction_emails(text: str, expected: str) -> None:
    assert redacted(text) == expected


def test_redaction_emails_spoken_need_an_email_shape() -> None:
    for text in ("I bought it at amazon dot com", "I emailed you at 9", "we met at the office dot"):
        assert detect_emails(text) == []


# --- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 221B Baker Street, London NW1 6XE.", "I live at [ADDRESS]."),
        ("Deliver to Flat 4, 88 Mill Lane, Bristol BS3 4QT please", "Deliver to [ADDRESS] please"),
        ("ship to 350 Fifth Ave, Apt 12B, New York, NY 10118-0110", "ship to [ADDRESS]"),
        ("it's 14 elm road", "it's [ADDRESS]"),
        ("we're at 3 Church Close", "we're at [ADDRESS]"),
        ("postcode is SW1A 1AA", "postcode is [ADDRESS]"),
        ("post code m1 1ae", "post code [ADDRESS]"),
        ("zip code 94103-1234", "zip code [ADDRESS]"),
        ("Springfield, IL 62704", "[ADDRESS]"),
        ("send it to 1234 Elm St Springfield IL 62704 please", "send it to [ADDRESS] please"),
        ("B314NP", "[ADDRESS]"),
    ],
)
def test_redaction_addresses(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "they left it 2 doors down the road",
        "I have 2 kids in the way",
        "after 3 attempts the drive failed",
        "about 15 people on our street lost power",
        "I've had 5 different agents close my ticket",
        "we walked 2 miles along the High Street",
        "a1 1aa is not a postcode without context",
        "booking H2A8OK and H5C 7JU",  # no such postcode areas or inward letters
        "my zip is broken, it cost 19999",
    ],
)
def test_redaction_addresses_hard_negatives(text: str) -> None:
    assert detect_addresses(text) == []


# --- dates of birth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("date of birth is 14/07/1985", "14/07/1985"),
        ("DOB 1979-11-02", "1979-11-02"),
        ("I was born on the third of April nineteen eighty two", "the third of April nineteen eighty two"),
        ("born on March 5, 1990 if that helps", "March 5, 1990"),
        ("12.11.1964 is my date of birth", "12.11.1964"),
        ("born in June two thousand and one", "June two thousand and one"),
    ],
)
def test_redaction_dates_of_birth_in_context(text: str, date: str) -> None:
    assert found(detect_dates_of_birth(text), text) == [("DOB", date)]


def test_redaction_dates_without_birth_context_stay() -> None:
    text = "The engineer is booked for 10:30 on 12/03/2026, the 5th of May at the latest."
    assert redacted(text) == text


def test_redaction_dates_of_birth_answer_the_previous_turn() -> None:
    assert redacted("Yes, 14th of February 1983.", preceding="Can you confirm your date of birth?") == "Yes, [DOB]."
    assert redacted("It was 12/03/2026.", preceding="When did the engineer come?") == "It was 12/03/2026."


# --- accounts (off by default) -----------------------------------------------------------------


def test_redaction_accounts_are_off_by_default() -> None:
    text = "account number 4471-2290"
    assert redacted(text) == text
    assert redacted(text, policy=RedactionPolicy(account=True)) == "account number [ACCOUNT]"


def test_redaction_accounts_ibans_are_checked() -> None:
    text = "IBAN GB82 WEST 1234 5698 7654 32, not GB82 WEST 1234 5698 7654 33"
    assert found(detect_accounts(text), text) == [("ACCOUNT", "GB82 WEST 1234 5698 7654 32")]


# --- overlaps ----------------------------------------------------------------------------------


def test_redaction_overlap_most_specific_kind_wins_on_the_same_span() -> None:
    text = "account number 4111 1111 1111 1111"
    assert redacted(text, policy=RedactionPolicy(account=True)) == "account number [CARD]"


def test_redaction_overlap_longest_span_wins() -> None:
    result = redact_text("I live at 221B Baker Street, London NW1 6XE.")  # the postcode alone is found too
    assert [(s.kind.name, s.detector) for s in result.spans] == [("ADDRESS", "address.street")]


def test_redaction_overlap_partial_spans_merge_so_nothing_leaks() -> None:
    merged = resolve_overlaps(
        [
            Detection(PIIKind.PHONE, 10, 22, "p"),
            Detection(PIIKind.ADDRESS, 0, 15, "a"),
            Detection(PIIKind.CVV, 30, 33, "c"),
        ]
    )
    assert merged == [Detection(PIIKind.ADDRESS, 0, 22, "a"), Detection(PIIKind.CVV, 30, 33, "c")]
    assert resolve_overlaps([Detection(PIIKind.CARD, 0, 5, "c")], protected=[(3, 9)]) == []


# --- idempotence, unicode, long turns ----------------------------------------------------------


def test_redaction_placeholders_are_never_redacted() -> None:
    text = "Already redacted: [CARD] and [PHONE], [CVV] [SSN] [EMAIL] [ADDRESS] [DOB] [ACCOUNT]."
    result = redact_text(text, policy=RedactionPolicy(account=True))
    assert result.text == text
    assert result.spans == ()


def test_redaction_is_idempotent_on_every_case() -> None:
    for case in load_cases():
        once = redacted(case["text"], preceding=case.get("preceding"))
        assert redacted(once, preceding=case.get("preceding")) == once, case["text"]


def test_redaction_spans_index_unicode_text() -> None:
    text = "😊 Ünïcödé — carte 4111 1111 1111 1111, courriel zoë@exemple.fr 🙏"
    result = redact_text(text)
    assert result.text == "😊 Ünïcödé — carte [CARD], courriel [EMAIL] 🙏"
    for span in result.spans:
        assert result.text[span.redacted_start : span.redacted_end] == span.kind.placeholder
    assert [text[s.start : s.end] for s in result.spans] == ["4111 1111 1111 1111", "zoë@exemple.fr"]
    assert result.counts == {"CARD": 1, "EMAIL": 1}


@pytest.mark.slow
def test_redaction_long_turn_in_bounded_time() -> None:
    chunk = (
        "Hi, card 4111 1111 1111 1111, cvv 123, call me on 07700 900123 or mail jo@example.com; I live at "
        "12 Baker Street. Order 4471-2290 cost £48.00 at 10:30 on 12/03/2026, ünïcödé 😊. "
    )
    text = chunk * (1_000_000 // len(chunk))
    started = time.perf_counter()
    result = redact_text(text)
    elapsed = time.perf_counter() - started
    repeats = 1_000_000 // len(chunk)
    assert result.counts == {"CARD": repeats, "CVV": repeats, "PHONE": repeats, "EMAIL": repeats, "ADDRESS": repeats}
    assert result.text == redacted(chunk) * repeats
    assert elapsed < 60, f"1 MB took {elapsed:.1f} s"  # linear time is a few seconds; quadratic is hours


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "1 " * 500_000,  # one long chain of one-digit groups
        "1234-" * 200_000,  # one long chain of card-sized groups
        "+1 " * 333_333,
        "one two three four five six seven eight nine oh " * 20_000,
        "foo at bar dot baz " * 50_000,
        "12 Foo Bar Baz Qux " * 50_000,
        "[CARD] 4111 1111 1111 1111 " * 37_000,  # many placeholders and many detections
    ],
    ids=["spaced-digits", "dashed-groups", "plus-signs", "spoken-digits", "spoken-at", "house-numbers", "placeholders"],
)
def test_redaction_adversarial_megabyte_in_bounded_time(text: str) -> None:
    started = time.perf_counter()
    redact_text(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"took {elapsed:.1f} s"


# --- conversations -----------------------------------------------------------------------------


@pytest.fixture
def payment_call() -> Conversation:
    return Conversation(
        id="call-7",
        channel=Channel.VOICE,
        agent_id="agent-maya",
        metadata={"queue": "billing"},
        turns=(
            Turn(0, Role.AGENT, "Can I take the long number on the card?", start=0.0, end=2.0),
            Turn(
                1,
                Role.CUSTOMER,
                "four one one one, one one one one, one one one one, one one one one",
                start=2.5,
                end=8.0,
                metadata={"confidence": 0.91},
            ),
            Turn(2, Role.AGENT, "And the three digits on the back?", start=8.5, end=10.0),
            Turn(3, Role.CUSTOMER, "seven three seven", start=10.5, end=12.0),
            Turn(4, Role.CUSTOMER, "Also my old card 5555 5555 5555 4444 was charged £48.00.", start=12.5, end=16.0),
        ),
    )


def test_redaction_conversation_returns_a_new_redacted_copy(payment_call: Conversation) -> None:
    before = payment_call.to_dict()
    new, report = redact_conversation(payment_call)
    assert payment_call.to_dict() == before  # the input is untouched
    assert [t.text for t in new.turns] == [
        "Can I take the long number on the card?",
        "[CARD]",
        "And the three digits on the back?",
        "[CVV]",
        "Also my old card [CARD] was charged £48.00.",
    ]
    assert new.metadata == {
        "queue": "billing",
        "redaction": {
            "version": REDACTION_VERSION,
            "kinds": list(RedactionPolicy().names),
            "counts": {"CARD": 2, "CVV": 1},
        },
    }
    assert new.turns[1].metadata == {"confidence": 0.91}
    assert (new.id, new.channel, new.agent_id, new.turns[3].start) == ("call-7", Channel.VOICE, "agent-maya", 10.5)
    assert [(t.turn_index, t.counts) for t in report.turns] == [(1, {"CARD": 1}), (3, {"CVV": 1}), (4, {"CARD": 1})]
    assert report.counts == {"CARD": 2, "CVV": 1}


def test_redaction_conversation_report_never_holds_the_values(payment_call: Conversation) -> None:
    _, report = redact_conversation(payment_call)
    dumped = json.dumps(report.to_dict())
    for secret in ("4111", "one one one one", "seven three seven", "5555", "4444"):
        assert secret not in dumped
    span = report.turns[2].spans[0]
    assert payment_call.turns[4].text[span.start : span.end] == "5555 5555 5555 4444"
    assert report.to_dict()["turns"][2]["spans"][0] == {
        "kind": "CARD",
        "start": 17,
        "end": 36,
        "redacted_start": 17,
        "redacted_end": 23,
        "detector": "card.written",
    }


def test_redaction_conversation_twice_is_the_same(payment_call: Conversation) -> None:
    once, _ = redact_conversation(payment_call)
    twice, report = redact_conversation(once)
    assert twice == once
    assert report.turns == ()


def test_redaction_conversation_adds_to_an_earlier_pass(payment_call: Conversation) -> None:
    cards_only, _ = redact_conversation(payment_call, policy=RedactionPolicy.from_names(["card"]))
    assert cards_only.turns[3].text == "seven three seven"
    both, _ = redact_conversation(cards_only, policy=RedactionPolicy.from_names(["cvv"]))
    assert both.metadata["redaction"] == {
        "version": REDACTION_VERSION,
        "kinds": ["card", "cvv"],
        "counts": {"CARD": 2, "CVV": 1},
    }


def test_redaction_conversation_answers_use_the_previous_turn(voice_call: Conversation) -> None:
    # "Okay, what's the account number?" / "It's 4471-2290."
    default, _ = redact_conversation(voice_call)
    assert default.turns[3].text == "It's 4471-2290."
    with_accounts, _ = redact_conversation(voice_call, policy=RedactionPolicy(account=True))
    assert with_accounts.turns[3].text == "It's [ACCOUNT]."
    assert with_accounts.metadata["redaction"]["counts"] == {"ACCOUNT": 1}


def test_redaction_conversation_without_pii_keeps_the_text(chat: Conversation) -> None:
    new, report = redact_conversation(chat)
    assert [t.text for t in new.turns] == [t.text for t in chat.turns]
    assert new.metadata["redaction"]["counts"] == {}
    assert report.to_dict()["turns"] == []


# --- the labelled case set ---------------------------------------------------------------------


def test_redaction_case_set_is_big_and_balanced() -> None:
    cases = load_cases()
    with_pii = [c for c in cases if c["expected"] != c["text"]]
    assert len(cases) >= 150
    assert 0.4 <= len(with_pii) / len(cases) <= 0.6


def test_redaction_case_set_matches_except_known_limits() -> None:
    wrong, fixed = [], []
    for case in load_cases():
        got = redacted(case["text"], preceding=case.get("preceding"))
        if case.get("known_limit"):
            if got == case["expected"]:
                fixed.append(case["text"])  # a limit that is now handled: drop its known_limit flag
        elif got != case["expected"]:
            wrong.append((case["text"], got, case["expected"]))
    assert wrong == []
    assert fixed == []
