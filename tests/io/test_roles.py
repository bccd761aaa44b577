"""Speaker labels to roles: the alias table, text-cue inference, and the importers' shared resolution."""

from __future__ import annotations

import pytest

from warmline.io.roles import UnknownSpeakerError, infer_roles, resolve_speakers, role_for_label
from warmline.model import Role


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Agent", Role.AGENT),
        ("Agent 1", Role.AGENT),
        ("agent_2", Role.AGENT),
        ("AGENT:", Role.AGENT),
        ("Rep", Role.AGENT),
        ("Customer Service Representative", Role.AGENT),
        ("Adviser", Role.AGENT),
        ("CSR", Role.AGENT),
        ("Support Agent", Role.AGENT),
        ("Agent (Dana)", Role.AGENT),
        ("[Agent]", Role.AGENT),
        ("Agent Name", Role.AGENT),
        ("CUSTOMER", Role.CUSTOMER),
        ("customer  2", Role.CUSTOMER),
        ("Caller", Role.CUSTOMER),
        ("Client", Role.CUSTOMER),
        ("Cust", Role.CUSTOMER),
        ("Visitor", Role.CUSTOMER),
        ("IVR", Role.BOT),
        ("Virtual Agent", Role.BOT),
        ("Assistant", Role.BOT),
        ("System", Role.SYSTEM),
    ],
)
def test_roles_label_aliases(label: str, role: Role) -> None:
    assert role_for_label(label) is role


@pytest.mark.parametrize("label", ["SPEAKER_00", "Speaker 1", "Dana", "Marcus Lee", "", "   "])
def test_roles_labels_that_name_no_role(label: str) -> None:
    assert role_for_label(label) is None


def test_roles_greeter_who_asks_for_account_number_is_agent() -> None:
    # the customer speaks first: the order of speakers must not decide
    result = infer_roles(
        {
            "SPEAKER_01": [
                "Hello?",
                "Yes, my bill has gone up again and I've been waiting two weeks for a call back.",
                "It's 4471 0092.",
            ],
            "SPEAKER_00": [
                "Thank you for calling Northwind Energy, this is Dana. How can I help?",
                "I'm sorry to hear that. Can I take your account number, please?",
                "Thank you. Let me check that on our system.",
            ],
        }
    )
    assert result.speakers == {"SPEAKER_01": Role.CUSTOMER, "SPEAKER_00": Role.AGENT}
    assert result.confidence > 0.7
    assert {"company_greeting", "asks_account_details"} <= set(result.cues["SPEAKER_00"])
    assert "waiting" in result.cues["SPEAKER_01"]
    assert result.note is None


def test_roles_weak_cues_give_low_confidence() -> None:
    result = infer_roles({"Ann": ["Okay, let me check."], "Bo": ["Sure, thanks."]})
    assert result.speakers == {"Ann": Role.AGENT, "Bo": Role.CUSTOMER}
    assert 0.0 < result.confidence < 0.5
    assert result.note is not None and "weak" in result.note


def test_roles_no_cues_give_zero_confidence_and_say_so() -> None:
    result = infer_roles({"A": ["Hello."], "B": ["Hi there."]})
    assert result.confidence == 0.0
    assert not result.decided
    assert result.note is not None and "no role cues" in result.note


def test_roles_single_speaker_is_never_confident() -> None:
    result = infer_roles({"Dana": ["Thank you for calling Northwind, how can I help? Can I take your account number?"]})
    assert result.speakers == {"Dana": Role.AGENT}
    assert 0.0 < result.confidence <= 0.5
    assert result.note is not None and "one speaker" in result.note


def test_roles_transfer_gives_two_agents() -> None:
    result = infer_roles(
        {
            "Dana": ["Thanks for calling Northwind, this is Dana. How can I help?", "Let me transfer you to billing."],
            "Sam": ["My bill is wrong and I want to cancel my contract.", "I've been waiting for weeks."],
            "Lee": ["Hi, you've reached billing, this is Lee. Can I have your account number to verify?"],
        }
    )
    assert result.speakers == {"Dana": Role.AGENT, "Sam": Role.CUSTOMER, "Lee": Role.AGENT}
    assert result.confidence > 0.7


def test_roles_metadata_is_json_shaped() -> None:
    result = infer_roles({"Dana": ["How may I help you today?"], "Sam": ["I want to cancel my subscription."]})
    meta = result.to_metadata()
    assert meta["method"] == "text-cues"
    assert meta["speakers"] == {"Dana": "agent", "Sam": "customer"}
    assert meta["cues"]["Dana"] == ["offers_help"]
    assert isinstance(meta["confidence"], float)


def test_roles_resolve_speakers_uses_labels_then_map_then_inference() -> None:
    roles, inference = resolve_speakers({"Agent": ["hi"], "Caller": ["hello"]})
    assert roles == {"Agent": Role.AGENT, "Caller": Role.CUSTOMER} and inference is None

    roles, inference = resolve_speakers({"dana": ["hi"], "sam": ["hello"]}, {"Dana": "agent", "SAM": Role.CUSTOMER})
    assert roles == {"dana": Role.AGENT, "sam": Role.CUSTOMER} and inference is None

    # a bot and two names: the names are inferred, the bot stays a bot
    roles, inference = resolve_speakers(
        {"IVR": ["Please hold."], "Dana": ["Thanks for calling, how can I help?"], "Sam": ["My bill is wrong."]}
    )
    assert roles == {"IVR": Role.BOT, "Dana": Role.AGENT, "Sam": Role.CUSTOMER}
    assert inference is not None and set(inference.speakers) == {"Dana", "Sam"}


def test_roles_resolve_speakers_rejects_a_typo_among_roles() -> None:
    with pytest.raises(UnknownSpeakerError) as info:
        resolve_speakers({"customer": ["my bill"], "agnet": ["let me check"]})
    assert info.value.label == "agnet"
    assert str(info.value) == "field 'speaker': 'agnet' is not agent, customer, bot or system — use a speaker map"


def test_roles_resolve_speakers_refuses_to_guess_without_cues() -> None:
    with pytest.raises(UnknownSpeakerError, match="cannot tell which speaker is the agent"):
        resolve_speakers({"A": ["Hello."], "B": ["Hi."]})


def test_roles_resolve_speakers_rejects_a_bad_map_value() -> None:
    with pytest.raises(Exception, match="speaker map sends 'Dana' to 'boss'"):
        resolve_speakers({"Dana": ["hi"]}, {"Dana": "boss"})
