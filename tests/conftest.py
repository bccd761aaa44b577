"""Shared fixtures: tiny conversations built by hand."""

from __future__ import annotations

import pytest

from warmline.model import Channel, Conversation, Role, Turn


@pytest.fixture
def voice_call() -> Conversation:
    """A short voice call where the agent interrupts once and there is a long hold."""
    return Conversation(
        id="call-1",
        channel=Channel.VOICE,
        agent_id="agent-maya",
        turns=(
            Turn(0, Role.AGENT, "Thanks for calling Northwind, this is Maya, how can I help?", start=0.0, end=3.5),
            Turn(
                1,
                Role.CUSTOMER,
                "Hi, my internet has been down since this morning and I work from home.",
                start=4.0,
                end=9.0,
            ),
            Turn(2, Role.AGENT, "Okay, what's the account number?", start=8.0, end=10.0),
            Turn(3, Role.CUSTOMER, "It's 4471-2290.", start=10.5, end=12.0),
            Turn(4, Role.AGENT, "Let me check that for you, one moment.", start=12.5, end=14.5),
            Turn(5, Role.AGENT, "Thanks for holding. There is an outage in your area.", start=24.5, end=27.5),
            Turn(6, Role.CUSTOMER, "Mm-hmm.", start=26.0, end=26.5),
        ),
    )


@pytest.fixture
def chat() -> Conversation:
    return Conversation(
        id="chat-1",
        channel=Channel.CHAT,
        turns=(
            Turn(0, Role.CUSTOMER, "Where is my parcel? It was due Tuesday.", start=0.0),
            Turn(1, Role.AGENT, "I'm sorry it hasn't arrived. Could you share the order number?", start=40.0),
            Turn(2, Role.CUSTOMER, "4471-2290", start=70.0),
            Turn(3, Role.CUSTOMER, "It was a birthday present.", start=75.0),
            Turn(
                4, Role.AGENT, "Thank you. I can see it's held at the depot; I'll get it sent out today.", start=135.0
            ),
        ),
    )
