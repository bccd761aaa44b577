"""Scripted phrasing: repeats within a call, across an agent's calls, across a team; live equals batch."""

from __future__ import annotations

from warmline.model import Conversation, Role, ScriptedPhrase, Turn
from warmline.scoring.scripted import ScriptedPhrasesAnalyser

from .helpers import behaviour


def _convo(cid: str, agent: str, team: str, agent_lines: list[str]) -> Conversation:
    turns = []
    for line in agent_lines:
        turns.append(Turn(len(turns), Role.CUSTOMER, "It still doesn't work and I'm annoyed."))
        turns.append(Turn(len(turns), Role.AGENT, line))
    return Conversation(id=cid, agent_id=agent, team=team, turns=tuple(turns))


ROTE = _convo(
    "rote",
    "agent-tom",
    "care",
    [
        "I understand your frustration. Let me check the account.",
        "I totally understand your frustration. The engineer is booked.",
        "I understand your frustration. Is there anything else I can help you with today?",
    ],
)


def test_scripted_repeats_within_a_conversation() -> None:
    found = [a for a in ScriptedPhrasesAnalyser().annotate([ROTE], [[]])[0] if isinstance(a, ScriptedPhrase)]
    assert [(a.turn_index, a.occurrences) for a in found] == [(3, 2), (5, 3)]
    assert all(a.scope == "conversation" and a.phrase == "I understand your frustration." for a in found)
    last = found[-1]
    assert [e.turn_index for e in last.evidence] == [5, 1, 3]
    assert all(ROTE.turns[e.turn_index].text[e.start : e.end] == e.text for e in last.evidence)


def test_scripted_varied_empathy_is_not_flagged() -> None:
    varied = _convo(
        "varied",
        "agent-maya",
        "care",
        [
            "That sounds exhausting after three visits. Let me check the account.",
            "I'd be fed up too if my router kept dropping. The engineer is booked for Friday.",
            "Thanks for sticking with this. Have we covered everything you needed?",
        ],
    )
    assert [a for a in ScriptedPhrasesAnalyser().annotate([varied], [[]])[0]] == []


def test_scripted_short_statements_are_ignored() -> None:
    convo = _convo("short", "a", "t", ["One moment please.", "One moment please.", "One moment please."])
    assert ScriptedPhrasesAnalyser().annotate([convo], [[]])[0] == []


def test_scripted_across_an_agents_conversations_and_team() -> None:
    line = "I completely understand how frustrating that must be for you."
    convos = [
        _convo(f"c{i}", agent, "care", [line, "Let me look into the order for you now."])
        for i, agent in enumerate(["agent-a", "agent-a", "agent-a", "agent-b", "agent-c"])
    ]
    prior = [[behaviour(c, 1, "acknowledge_emotion", line)] for c in convos]
    results = ScriptedPhrasesAnalyser().annotate(convos, prior)
    scopes = [sorted((a.scope, a.occurrences) for a in r if isinstance(a, ScriptedPhrase)) for r in results]
    assert scopes[0] == [("agent", 3), ("team", 3)]
    assert scopes[3] == [("team", 3)]  # agent-b used it once: only the team-wide overuse applies


def test_scripted_live_matches_batch() -> None:
    analyser = ScriptedPhrasesAnalyser()
    live = [a for t in ROTE.turns for a in analyser.annotate_turn(t, ROTE.upto(t.index), [])]
    assert live == analyser.annotate([ROTE], [[]])[0]
