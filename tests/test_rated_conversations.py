"""The human-rated check set: each conversation loads and carries a 1–5 rating from docs/rubric.md."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

from warmline.io import load
from warmline.model import Channel, Conversation, Role

ROOT = Path(__file__).parents[1]
RATED = ROOT / "training" / "data" / "rated_conversations"
RATINGS_FILE = RATED / "ratings.json"
RUBRIC = ROOT / "docs" / "rubric.md"
LEVELS = (1, 2, 3, 4, 5)


def _conversation_files() -> list[Path]:
    return sorted(p for p in RATED.glob("*.json") if p != RATINGS_FILE)


@cache
def _ratings() -> dict[str, dict[str, object]]:
    data = json.loads(RATINGS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@cache
def _conversations() -> dict[str, Conversation]:
    """Each file loaded on its own, so a conversation is tied to the file it came from."""
    out: dict[str, Conversation] = {}
    for path in _conversation_files():
        result = load([path])
        assert not result.errors, f"{path.name}: {[str(e) for e in result.errors]}"
        assert len(result.conversations) == 1, path.name
        out[path.name] = result.conversations[0]
    return out


def test_rated_conversations_load_without_errors() -> None:
    result = load(_conversation_files())
    assert [str(e) for e in result.errors] == []
    assert len(result.conversations) == len(_conversation_files())


def test_rated_conversations_at_least_forty() -> None:
    assert len(_conversations()) >= 40


def test_rated_conversations_every_file_rated_and_every_rating_has_a_file() -> None:
    assert set(_ratings()) == set(_conversations())


def test_rated_conversations_ratings_are_levels_with_reasons() -> None:
    for name, entry in _ratings().items():
        assert set(entry) == {"rating", "why"}, name
        rating = entry["rating"]
        assert isinstance(rating, int) and not isinstance(rating, bool), name
        assert rating in LEVELS, name
        why = entry["why"]
        assert isinstance(why, str) and len(why.split()) >= 8, f"{name}: the why must cite the rubric"


def test_rated_conversations_each_level_has_seven() -> None:
    counts = Counter(e["rating"] for e in _ratings().values())
    too_few = {level: counts[level] for level in LEVELS if counts[level] < 7}
    assert too_few == {}


def test_rated_conversations_ids_unique_and_match_file_names() -> None:
    ids = [c.id for c in _conversations().values()]
    assert len(ids) == len(set(ids))
    for name, convo in _conversations().items():
        assert name == f"{convo.id}.json"


def test_rated_conversations_shape_follows_the_brief() -> None:
    for name, convo in _conversations().items():
        raw = json.loads((RATED / name).read_text(encoding="utf-8"))
        assert raw["schema"] == "warmline/1", name
        assert convo.channel in (Channel.CHAT, Channel.VOICE), name
        assert convo.agent_id and convo.team, name
        assert convo.metadata.get("topic") and convo.metadata.get("customer_name"), name
        assert 8 <= len(convo.turns) <= 18, name
        assert convo.agent_turns() and convo.customer_turns(), name
        assert {t.role for t in convo.turns} <= {Role.AGENT, Role.CUSTOMER}, name
        assert [t.index for t in convo.turns] == list(range(len(convo.turns))), name
        assert convo.has_timestamps, name
        starts = [t.start for t in convo.turns if t.start is not None]
        if convo.channel is Channel.VOICE:
            assert all(t.end is not None and t.start is not None and t.end > t.start for t in convo.turns), name
        else:
            assert starts == sorted(starts), name


def test_rated_conversations_voice_speech_rate_is_realistic() -> None:
    """About 2.5 words a second, so talk-time metrics on this set mean something."""
    for name, convo in _conversations().items():
        if convo.channel is not Channel.VOICE:
            continue
        words = sum(len(t.text.split()) for t in convo.turns)
        seconds = sum(t.duration or 0.0 for t in convo.turns)
        assert 2.0 <= words / seconds <= 3.0, name


def test_rated_conversations_rubric_defines_all_five_levels() -> None:
    text = RUBRIC.read_text(encoding="utf-8")
    for level in LEVELS:
        assert re.search(rf"^### {level} — \S", text, flags=re.MULTILINE), f"level {level} not defined"
    for topic in ("Caps and tie-breaks", "Worked examples"):
        assert topic in text
