"""ABCD (Action-Based Conversations Dataset) conversations: customer–agent chats with the agent's system actions.

The shape (Chen et al., NAACL 2021, MIT licence) is a JSON list of conversations, one conversation
object, or the released ``{"train": [...], "dev": [...], "test": [...]}`` file. Each conversation has
``convo_id``, ``scenario`` (``personal`` details, ``flow``/``subflow``) and its turns either as
``original``, a list of ``[speaker, text]`` pairs, or as ``delexed``, a list of ``{speaker, text,
targets, ...}`` objects. ``speaker`` is ``agent``, ``customer`` or ``action``; an action row is a
system action the agent took ("Account has been pulled up for crystal minh.") and becomes a
``Role.SYSTEM`` turn with ``metadata={"action": True}``. The scenario's personal details are never
copied: only ``flow`` and ``subflow`` are kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_json, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_SPEAKERS: dict[str, Role] = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "action": Role.SYSTEM}

#: The split names of the released ``abcd_v1.1.json`` (a dict of split name → list of conversations).
_SPLITS = ("train", "dev", "test")


def _records(data: Any) -> Iterator[tuple[Any, str | None]]:
    """Each conversation object in the file, with its split name when the file is split."""
    if isinstance(data, list):
        for obj in data:
            yield obj, None
    elif isinstance(data, Mapping) and "convo_id" not in data and any(isinstance(data.get(s), list) for s in _SPLITS):
        for split, items in data.items():
            if isinstance(items, list):
                for obj in items:
                    yield obj, str(split)
    else:
        yield data, None


def _role(value: Any, where: str) -> Role:
    role = _SPEAKERS.get(str(value).strip().lower())
    if role is None:
        allowed = ", ".join(_SPEAKERS)
        raise InvalidInputError(f"speaker {value!r} is not one of {allowed}", field=where)
    return role


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"text must be a string, not {type(value).__name__}", field=where)
    return value


def _original_turns(rows: Any) -> list[Turn]:
    if not isinstance(rows, list):
        raise InvalidInputError("original must be a list of [speaker, text] pairs", field="original")
    turns: list[Turn] = []
    for i, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 2):
            raise InvalidInputError("each row must be a [speaker, text] pair", field=f"original[{i}]")
        role = _role(row[0], f"original[{i}][0]")
        metadata: dict[str, Any] = {"action": True} if role is Role.SYSTEM else {}
        turns.append(Turn(index=i, role=role, text=_text(row[1], f"original[{i}][1]"), metadata=metadata))
    return turns


def _delexed_turns(rows: Any) -> list[Turn]:
    if not isinstance(rows, list):
        raise InvalidInputError("delexed must be a list of {speaker, text} objects", field="delexed")
    turns: list[Turn] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidInputError("each turn must be an object with speaker and text", field=f"delexed[{i}]")
        role = _role(row.get("speaker"), f"delexed[{i}].speaker")
        metadata: dict[str, Any] = {}
        if role is Role.SYSTEM:
            metadata["action"] = True
            # targets = [subflow, kind, action name, slot values, candidate]; the name ("pull-up-account")
            # says what the agent did without the customer's details that the slot values carry
            targets = row.get("targets")
            if isinstance(targets, list) and len(targets) > 2 and isinstance(targets[2], str):
                metadata["action_name"] = targets[2]
        turns.append(Turn(index=i, role=role, text=_text(row.get("text"), f"delexed[{i}].text"), metadata=metadata))
    return turns


def parse_conversation(obj: Any, *, split: str | None = None) -> Conversation:
    """Build a conversation from one ABCD conversation object.

    ``original`` (the cased, undelexicalised text) is preferred when both forms are present.

    Raises
    ------
    InvalidInputError
        naming the field that is wrong, e.g. ``original[6][0]`` for an unknown speaker.
    """
    if not isinstance(obj, Mapping):
        raise InvalidInputError("an ABCD conversation must be a JSON object")
    convo_id = obj.get("convo_id")
    if convo_id is None or not str(convo_id).strip():
        raise InvalidInputError("a conversation needs a convo_id", field="convo_id")
    if obj.get("original") is not None:
        variant, raw = "original", _original_turns(obj["original"])
    elif obj.get("delexed") is not None:
        variant, raw = "delexed", _delexed_turns(obj["delexed"])
    else:
        raise InvalidInputError("a conversation needs its turns as original or delexed", field="original")
    turns, notes = finalise_turns(raw, where=variant)
    metadata: dict[str, Any] = {"source": "abcd", "text_variant": variant}
    scenario = obj.get("scenario")
    if isinstance(scenario, Mapping):
        for key in ("flow", "subflow"):
            if isinstance(scenario.get(key), str):
                metadata[key] = scenario[key]
    if split is not None:
        metadata["split"] = split
    if notes:
        metadata["import_notes"] = notes
    return Conversation(id=str(convo_id), turns=turns, channel=Channel.CHAT, metadata=metadata)


class ABCDImporter:
    """ABCD conversations: ``convo_id``, ``scenario`` and ``original`` ``[speaker, text]`` rows (or ``delexed``)."""

    name = "abcd"
    description = "ABCD (Action-Based Conversations Dataset) JSON: convo_id, scenario, original [speaker, text] rows"

    def sniff(self, path: Path, head: str) -> float:
        start = head.lstrip()
        if start[:1] not in ("{", "["):
            return 0.0
        window = head[:8000]
        if '"convo_id"' in window and ('"original"' in window or '"delexed"' in window or '"scenario"' in window):
            return 0.9
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = read_json(path)
        for number, (obj, split) in enumerate(_records(data), start=1):
            try:
                convo = parse_conversation(obj, split=split)
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, record=number))
                continue
            yield convo


register_importer(ABCDImporter())

__all__ = ["ABCDImporter", "parse_conversation"]
