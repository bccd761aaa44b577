"""The `warmline classify` contract: JSONL requests in, JSONL results out, for tools that call warmline.

Request lines: ``{"id": ..., "text": ..., "context": "<previous customer turn, optional>"}``.
Emotion results: ``{"id", "label", "scores": {label: prob}, "sentiment", "intensity"}``.
Behaviour results: ``{"id", "behaviours": [{"id", "confidence", "evidence"}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from warmline.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class ClassifyRequest:
    id: Any
    text: str
    context: str | None
    line: int


def read_requests(lines: Iterable[str], *, path: str) -> Iterator[ClassifyRequest]:
    """Parse request lines; a bad line raises an error naming the file, line and field."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"not valid JSON: {exc.msg}", path=path, line=number) from None
        if not isinstance(obj, dict):
            raise InvalidInputError("each line must be a JSON object", path=path, line=number)
        text = obj.get("text")
        if not isinstance(text, str):
            raise InvalidInputError("text must be a string", path=path, line=number, field="text")
        context = obj.get("context")
        if context is not None and not isinstance(context, str):
            raise InvalidInputError("context must be a string when given", path=path, line=number, field="context")
        yield ClassifyRequest(obj.get("id", number), text, context, number)


def classify_lines(requests: Iterable[ClassifyRequest], task: str, batch_size: int = 64) -> Iterator[str]:
    """Result lines (JSON text) for each request, in order, classified in batches."""
    it = iter(requests)
    while batch := list(islice(it, batch_size)):
        texts = [r.text for r in batch]
        contexts = [r.context for r in batch]
        if task == "emotion":
            from warmline.analysers.customer_emotion import classify_emotion

            for req, result in zip(batch, classify_emotion(texts, contexts), strict=True):
                yield json.dumps(
                    {
                        "id": req.id,
                        "label": result.label,
                        "scores": {k: round(v, 4) for k, v in result.scores.items()},
                        "sentiment": round(result.sentiment, 4),
                        "intensity": round(result.intensity, 4),
                    },
                    ensure_ascii=False,
                )
        elif task == "behaviours":
            from warmline.behaviours.analyser import classify_behaviours

            for req, found in zip(batch, classify_behaviours(texts, contexts), strict=True):
                yield json.dumps({"id": req.id, "behaviours": found}, ensure_ascii=False)
        else:
            raise InvalidInputError(f"unknown task {task!r}; choose emotion or behaviours", field="--task")
