"""Sentence spans and second-person paraphrase."""

from __future__ import annotations

from warmline.text import paraphrase_core, second_person, sentence_spans


def test_text_sentence_spans_slice_exactly() -> None:
    text = "  Thanks, Mr. Lee.  So the order 4471-2290 is late? I'll check.\nOne moment  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Thanks, Mr. Lee.",
        "So the order 4471-2290 is late?",
        "I'll check.",
        "One moment",
    ]


def test_text_blank_has_no_sentences() -> None:
    assert sentence_spans("   ") == []


def test_text_second_person_swaps_pronouns() -> None:
    assert (
        second_person("My card was declined and I was embarrassed") == "your card was declined and you were embarrassed"
    )
    assert second_person("We moved house and our post went missing") == "you moved house and your post went missing"


def test_text_paraphrase_core_prefers_the_personal_point() -> None:
    core = paraphrase_core("Hello. The weather is nice today. But my parcel never arrived and I need it for Friday!")
    assert core == "your parcel never arrived and you need it for Friday"
    assert paraphrase_core("Ok.") is None
