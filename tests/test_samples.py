"""The bundled sample conversations: they load, are well formed, and their labels and README agree."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from importlib.resources import files
from pathlib import Path

import pytest

from warmline.io import detect_format, load
from warmline.model import Channel, Conversation, Role

SAMPLES = Path(str(files("warmline") / "data" / "samples"))
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
LABELS = json.loads((Path(__file__).parent / "fixtures" / "sample_labels.json").read_text(encoding="utf-8"))
QUALITIES = {"empathic", "poor"}


@pytest.fixture(scope="module")
def samples() -> dict[str, Conversation]:
    """Every sample by file name, each read through the public loader."""
    out: dict[str, Conversation] = {}
    for path in SAMPLE_FILES:
        result = load([path])
        assert not result.errors, [str(e) for e in result.errors]
        assert len(result.conversations) == 1, path.name
        out[path.name] = result.conversations[0]
    return out


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_samples_each_file_is_detected_as_warmline_json(path: Path) -> None:
    assert detect_format(path).name == "warmline-json"


def test_samples_folder_loads_without_errors() -> None:
    result = load([SAMPLES])
    assert [str(e) for e in result.errors] == []
    # the README sits in the folder but is not a conversation
    assert len(result.conversations) == len(SAMPLE_FILES) >= 16


def test_samples_cover_both_channels(samples: dict[str, Conversation]) -> None:
    channels = Counter(c.channel for c in samples.values())
    assert channels[Channel.VOICE] >= 6
    assert channels[Channel.CHAT] >= 6
    assert set(channels) == {Channel.VOICE, Channel.CHAT}


def test_samples_have_agent_and_customer_turns(samples: dict[str, Conversation]) -> None:
    for name, convo in samples.items():
        assert 12 <= len(convo) <= 30, name
        assert convo.agent_turns() and convo.customer_turns(), name
        assert {t.role for t in convo} == {Role.AGENT, Role.CUSTOMER}, name
        assert [t.index for t in convo] == list(range(len(convo))), name
        for turn in convo:
            expected = convo.agent_id if turn.role is Role.AGENT else convo.customer_id
            assert turn.speaker_id == expected, f"{name} turn {turn.index}"
            assert turn.text.strip(), f"{name} turn {turn.index}"


def test_samples_metadata_is_complete(samples: dict[str, Conversation]) -> None:
    for name, convo in samples.items():
        assert convo.agent_id and convo.customer_id and convo.team, name
        assert convo.started_at is not None and convo.started_at.tzinfo is not None, name
        assert (convo.started_at.year, convo.started_at.month) in {(2026, 9), (2026, 10), (2026, 11)}, name
        assert convo.metadata.get("topic") and convo.metadata.get("customer_name"), name


def test_samples_span_two_teams_and_six_agents(samples: dict[str, Conversation]) -> None:
    agents_by_team: dict[str | None, set[str | None]] = defaultdict(set)
    for convo in samples.values():
        agents_by_team[convo.team].add(convo.agent_id)
    assert len(agents_by_team) == 2
    all_agents = [a for agents in agents_by_team.values() for a in agents]
    # an agent belongs to one team
    assert len(all_agents) == len(set(all_agents)) == 6


def test_samples_voice_turns_are_timed_and_ordered(samples: dict[str, Conversation]) -> None:
    for name, convo in samples.items():
        if convo.channel is not Channel.VOICE:
            continue
        starts = []
        for turn in convo:
            assert turn.start is not None and turn.end is not None, f"{name} turn {turn.index}"
            assert turn.end > turn.start, f"{name} turn {turn.index}"
            words = len(turn.text.split())
            if words >= 5:
                rate = words / (turn.end - turn.start)
                assert 1.5 <= rate <= 4.0, f"{name} turn {turn.index}: {rate:.1f} words/s"
            starts.append(turn.start)
        assert starts == sorted(starts), name


def test_samples_chat_turns_are_ordered(samples: dict[str, Conversation]) -> None:
    for name, convo in samples.items():
        if convo.channel is not Channel.CHAT:
            continue
        starts = [t.start for t in convo]
        assert all(s is not None for s in starts), name
        assert starts[0] == 0.0, name
        assert starts == sorted(starts), name


def _gaps(convo: Conversation) -> list[float]:
    """Seconds between each turn's start and the latest end before it (negative: overtalk)."""
    gaps = []
    latest_end = 0.0
    for position, turn in enumerate(convo.turns):
        assert turn.start is not None and turn.end is not None
        if position:
            gaps.append(turn.start - latest_end)
        latest_end = max(latest_end, turn.end)
    return gaps


def test_samples_voice_include_interruptions_and_dead_air(samples: dict[str, Conversation]) -> None:
    voice = {name: _gaps(c) for name, c in samples.items() if c.channel is Channel.VOICE}
    interrupted = {name for name, gaps in voice.items() if min(gaps) < 0}
    with_dead_air = {name for name, gaps in voice.items() if max(gaps) > 5.0}
    # talk-metrics and coaching fixtures rely on both, and interruptions only in poor calls
    assert interrupted and all(LABELS[name] == "poor" for name in interrupted)
    assert len(with_dead_air) >= 3


def test_samples_labels_cover_exactly_the_sample_files() -> None:
    assert set(LABELS) == {p.name for p in SAMPLE_FILES}
    assert set(LABELS.values()) <= QUALITIES


def test_samples_labels_are_roughly_balanced() -> None:
    counts = Counter(LABELS.values())
    for quality in QUALITIES:
        assert 0.4 <= counts[quality] / len(LABELS) <= 0.6, counts


def test_samples_readme_lists_every_file_with_its_label() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        match = re.match(r"\|\s*`([^`]+\.json)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    assert set(rows) == {p.name for p in SAMPLE_FILES}
    for name, cells in rows.items():
        channel, _team_agent, _description, quality = cells
        assert quality.startswith(f"{LABELS[name]}:"), name
        assert channel == json.loads((SAMPLES / name).read_text(encoding="utf-8"))["channel"], name


def test_samples_ids_are_unique_and_name_their_files(samples: dict[str, Conversation]) -> None:
    ids = [c.id for c in samples.values()]
    assert len(ids) == len(set(ids))
    for name, convo in samples.items():
        assert name == f"{convo.id}.json"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_samples_files_are_in_canonical_form(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "warmline/1"
    assert Conversation.from_dict(data).to_dict() == data


def _agent_phrases(convo: Conversation, size: int = 5) -> set[str]:
    phrases: set[str] = set()
    for turn in convo.agent_turns():
        words = re.findall(r"[a-z0-9£']+", turn.text.lower())
        phrases.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return phrases


def test_samples_empathic_agents_never_share_a_phrase(samples: dict[str, Conversation]) -> None:
    # a repeated-phrase (rote script) detector must find nothing to flag in the empathic samples
    seen: dict[str, str] = {}
    shared = []
    for name, convo in samples.items():
        if LABELS[name] != "empathic":
            continue
        for phrase in _agent_phrases(convo):
            if phrase in seen:
                shared.append((phrase, seen[phrase], name))
            seen[phrase] = name
    assert shared == []


def test_samples_poor_agents_repeat_scripted_lines(samples: dict[str, Conversation]) -> None:
    # the counterpart: in several poor samples the agent says the same scripted line three times or more
    within = 0
    for name, convo in samples.items():
        if LABELS[name] != "poor":
            continue
        lines = Counter(s.strip().lower() for t in convo.agent_turns() for s in re.split(r"(?<=[.?!])\s+", t.text))
        within += any(count >= 3 for count in lines.values())
    assert within >= 3
