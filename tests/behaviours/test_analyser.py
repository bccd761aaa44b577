"""The combined agent-behaviour analyser, through the pipeline, on small hand-written conversations."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from warmline.analysers.base import create, registered
from warmline.analysers.embedding import EmbeddingAnalyser
from warmline.behaviours.analyser import AgentBehaviours, classify_behaviours
from warmline.model import Annotation, Behaviour, Conversation, Role, Turn
from warmline.pipeline import Pipeline

pytestmark = pytest.mark.slow  # loads the shared encoder and the behaviour heads

C, A = Role.CUSTOMER, Role.AGENT


def convo(*turns: tuple[Role, str], **metadata: str) -> Conversation:
    return Conversation(
        id="c", turns=tuple(Turn(i, role, text) for i, (role, text) in enumerate(turns)), metadata=metadata
    )


def pipeline(analyser: AgentBehaviours | None = None) -> Pipeline:
    return Pipeline([EmbeddingAnalyser(), analyser or AgentBehaviours()])


def behaviours(conversation: Conversation, analyser: AgentBehaviours | None = None) -> list[Behaviour]:
    (analysis,) = pipeline(analyser).analyse([conversation])
    return analysis.of_type(Behaviour)


def on_turn(found: list[Behaviour], index: int) -> dict[str, Behaviour]:
    return {b.behaviour: b for b in found if b.turn_index == index}


def test_analyser_is_registered_with_requirements() -> None:
    assert "warmline.agent_behaviours.v1" in registered()
    analyser = create("warmline.agent_behaviours.v1")
    assert analyser.requires == ("embedding",)
    assert analyser.assigns == ("behaviours",)


def test_analyser_flags_pity_with_its_evidence_span() -> None:
    text = "Oh you poor thing, I feel so sorry for you."
    found = on_turn(behaviours(convo((C, "My husband died last month."), (A, text))), 1)
    pity = found["sympathy_pity"]
    assert pity.polarity == "negative"
    assert pity.evidence[0].turn_index == 1
    assert "poor thing" in pity.evidence[0].text
    assert text[pity.evidence[0].start : pity.evidence[0].end] == pity.evidence[0].text


@pytest.mark.parametrize(
    ("agent", "behaviour", "polarity"),
    [
        ("Calm down, it's only a few pounds.", "dismissive", "negative"),
        ("You should have read the terms before you signed.", "blame", "negative"),
        ("That's not my department, you'll need to ring billing.", "negative_language", "negative"),
        ("I'll personally make sure this is fixed today.", "ownership", "positive"),
        ("Have we covered everything you wanted to discuss today?", "closure_check", "positive"),
    ],
)
def test_analyser_finds_clear_behaviours(agent: str, behaviour: str, polarity: str) -> None:
    found = on_turn(behaviours(convo((C, "I was charged twice and I'm furious."), (A, agent))), 1)
    assert behaviour in found
    assert found[behaviour].polarity == polarity
    assert 0.0 < found[behaviour].confidence <= 1.0
    assert found[behaviour].source in ("phrase_bank", "model", "model+phrase_bank")


def test_analyser_personalisation_from_metadata_and_from_an_earlier_turn() -> None:
    by_metadata = convo(
        (C, "Hi, I'm calling about my bill."), (A, "Thanks Priya, let's take a look."), customer_name="Priya Shah"
    )
    hit = on_turn(behaviours(by_metadata), 1)["personalisation"]
    assert hit.evidence[0].text == "Priya"
    said_earlier = convo(
        (C, "Hello, my name is Tomasz Nowak."),
        (A, "Hi, how can I help?"),
        (C, "My router keeps dropping out."),
        (A, "Okay Tomasz, let's get that fixed."),
    )
    found = behaviours(said_earlier)
    assert on_turn(found, 3)["personalisation"].evidence[0].text == "Tomasz"
    assert "personalisation" not in on_turn(found, 1)


def test_analyser_finds_the_paraphrase() -> None:
    found = on_turn(
        behaviours(
            convo(
                (C, "I cancelled in March but you took another £48, and it's on my statement twice!"),
                (A, "So the £48 charge appeared twice after you cancelled — is that right?"),
            )
        ),
        1,
    )
    assert "paraphrase" in found
    assert "check_understanding" in found


def test_analyser_annotates_only_agent_turns() -> None:
    found = behaviours(
        convo(
            (C, "Calm down? You should have read the terms? That's not my department!"),
            (A, "I'm sorry about that, I'll make sure it's sorted."),
            (C, "Oh you poor thing."),
        )
    )
    assert found
    assert {b.turn_index for b in found} == {1}


def test_analyser_evidence_slices_the_turn_text_exactly() -> None:
    conversation = convo(
        (C, "My parcel never came and it was a birthday present."),
        (
            A,
            "I’m so sorry — that’s really upsetting. I’ll personally chase the courier today, "
            "and you’ll get an email by 5pm.",
        ),
        (C, "Thanks."),
        (A, "Thank you for your patience. Is there anything else I can help with?"),
    )
    found = behaviours(conversation)
    assert len(found) >= 5
    for b in found:
        text = conversation.turns[b.turn_index].text  # type: ignore[index]
        assert b.evidence
        for ev in b.evidence:
            assert ev.turn_index == b.turn_index
            assert text[ev.start : ev.end] == ev.text and ev.text.strip()


def test_analyser_batch_and_live_agree_and_are_deterministic() -> None:
    conversations = [
        convo(
            (C, "I've been on hold for an hour and nobody can fix my internet."),
            (A, "I'm sorry about the wait. What happens when you try to connect?"),
            (C, "It just says no signal."),
            (A, "So it's showing no signal at all. I'll book an engineer and call you back tomorrow."),
        ),
        convo((A, "Hello, how can I help?"), (C, "My bill is wrong."), (A, "Calm down, that's just how it is.")),
    ]
    pipe = pipeline()
    batch = pipe.analyse(conversations)
    assert pipe.analyse(conversations) == batch
    for conversation, analysis in zip(conversations, batch, strict=True):
        analyser = pipe.analysers[-1]
        live: list[Annotation] = []
        prior: list[Annotation] = []
        for turn in conversation.turns:
            new = pipe.analysers[0].annotate_turn(turn, conversation.upto(turn.index), prior)
            prior.extend(new)
            live.extend(analyser.annotate_turn(turn, conversation.upto(turn.index), prior))

        def key(b: Annotation) -> tuple[object, ...]:
            assert isinstance(b, Behaviour)
            return (b.turn_index, b.behaviour, b.polarity, b.source, b.evidence)

        batch_found = analysis.of_type(Behaviour)
        assert sorted(map(key, live)) == sorted(map(key, batch_found))
        for x, y in zip(sorted(live, key=key), sorted(batch_found, key=key), strict=True):
            assert isinstance(x, Behaviour)
            assert x.confidence == pytest.approx(y.confidence, abs=1e-3)


def test_analyser_works_without_prior_embeddings() -> None:
    conversation = convo((C, "You charged me twice."), (A, "I'm sorry, but that's policy."))
    found = AgentBehaviours().annotate([conversation], [[]])[0]
    got = {b.behaviour for b in found if isinstance(b, Behaviour)}
    assert {"apology", "negative_language"} <= got


@pytest.mark.parametrize(
    ("agent", "absent"),
    [
        ("I can't wait to get this sorted for you!", "negative_language"),
        ("Let me calmly walk you through it.", "dismissive"),
        ("I'm so sorry for your loss.", "sympathy_pity"),
        ("You should have received an email about it on the 12th.", "blame"),
    ],
)
def test_analyser_hard_negatives(agent: str, absent: str) -> None:
    found = on_turn(behaviours(convo((C, "My mum passed away and I need to close her account."), (A, agent))), 1)
    assert absent not in found


def test_analyser_condolence_is_acknowledgement_not_pity() -> None:
    found = on_turn(
        behaviours(
            convo((C, "My mum passed away and I need to close her account."), (A, "I'm so sorry for your loss."))
        ),
        1,
    )
    assert "sympathy_pity" not in found
    assert {"acknowledge_emotion", "apology"} & set(found)


def test_analyser_sorry_but_policy_is_apology_and_negative_language() -> None:
    found = on_turn(behaviours(convo((C, "Can you waive the fee?"), (A, "I'm sorry, but that's policy."))), 1)
    assert {"apology", "negative_language"} <= set(found)
    assert found["apology"].polarity == "positive" and found["negative_language"].polarity == "negative"


def test_analyser_uses_a_contact_center_phrase_bank(tmp_path: Path) -> None:
    extra = tmp_path / "acme.yaml"
    extra.write_text("behaviours:\n  ownership:\n    patterns: ['\\bacme promise\\b']\n", encoding="utf-8")
    conversation = convo((C, "Will it be fixed?"), (A, "You have the Acme Promise on that."))
    assert "ownership" not in on_turn(behaviours(conversation), 1)
    analyser = AgentBehaviours(phrase_banks=[str(extra)])
    assert on_turn(behaviours(conversation, analyser), 1)["ownership"].evidence[0].text == "Acme Promise"
    clone = pickle.loads(pickle.dumps(analyser))
    assert on_turn(behaviours(conversation, clone), 1)["ownership"].evidence[0].text == "Acme Promise"


def test_analyser_head_thresholds_from_the_bank_gate_the_heads(tmp_path: Path) -> None:
    conversation = convo(
        (C, "Why did my bill go up?"),
        (A, "Your discount ended on the 3rd, so you're now on the standard rate of £32 a month."),
    )
    off = tmp_path / "off.yaml"
    off.write_text("head_thresholds:\n  information: 1.0\n", encoding="utf-8")
    on = tmp_path / "on.yaml"
    on.write_text("head_thresholds:\n  information: 0.0\n", encoding="utf-8")
    assert "information" not in on_turn(behaviours(conversation, AgentBehaviours(phrase_banks=[str(off)])), 1)
    found = on_turn(behaviours(conversation, AgentBehaviours(phrase_banks=[str(on)])), 1)["information"]
    assert found.source == "model"
    assert found.evidence[0].text in conversation.turns[1].text


def test_analyser_classify_behaviours_contract() -> None:
    results = classify_behaviours(
        ["That's not my department.", "Thanks Ana, I'll make sure it's done today.", ""],
        [None, "Hi, this is Ana Ruiz.", "Hello?"],
    )
    assert len(results) == 3
    assert results[0][0]["id"] == "negative_language"
    assert results[0][0]["evidence"][0] == {"start": 0, "end": 24, "text": "That's not my department"}
    second = {r["id"] for r in results[1]}
    assert {"personalisation", "ownership"} <= second
    assert results[2] == []
    for found in results:
        for r in found:
            assert set(r) == {"id", "confidence", "evidence"}
            assert 0.0 <= r["confidence"] <= 1.0
