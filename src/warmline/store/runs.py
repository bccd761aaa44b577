"""What produced an analysis: analyser names and versions, the scorecard, and the shipped models' checksums."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import warmline

if TYPE_CHECKING:
    from warmline.pipeline import Pipeline

_VERSION = re.compile(r"\.(v\d+)$")


def analyser_version(name: str) -> str | None:
    """The version part of a versioned analyser name: ``"warmline.talk_metrics.v1"`` → ``"v1"``."""
    found = _VERSION.search(name)
    return found.group(1) if found else None


def shipped_models() -> dict[str, str]:
    """Each shipped model manifest's name with the SHA-256 of its weights, from ``data/models/*.json``.

    The manifests record the checksum of what was built, so this reads them rather than hashing the
    weights again.
    """
    out: dict[str, str] = {}
    folder = files("warmline") / "data" / "models"
    if not folder.is_dir():
        return out
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            manifest = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and (sha := _weights_sha256(manifest)):
            out[str(manifest.get("name") or entry.name.removesuffix(".json"))] = sha
    return out


def _weights_sha256(manifest: Mapping[str, Any]) -> str | None:
    if isinstance(manifest.get("sha256"), str):
        return str(manifest["sha256"])
    listed = manifest.get("files")
    if isinstance(listed, Mapping):
        preferred = [listed.get("model"), *listed.values()]
        for item in preferred:
            if isinstance(item, Mapping) and isinstance(item.get("sha256"), str):
                return str(item["sha256"])
    return None


def _encoder_sha256() -> str | None:
    manifest = files("warmline") / "data" / "models" / "encoder.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return _weights_sha256(data) if isinstance(data, dict) else None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What an analysis run records about how its results were produced.

    ``scorecard_id`` and ``scorecard_version`` may be left out: ``Store.save_analyses`` then takes them
    from the ``Score`` annotations it saves.

    Examples
    --------
    >>> info = RunInfo.for_analysers(["warmline.talk_metrics.v1"])
    >>> info.analysers, info.warmline_version == warmline.__version__
    (('warmline.talk_metrics.v1',), True)
    """

    analysers: tuple[str, ...] = ()
    scorecard_id: str | None = None
    scorecard_version: str | None = None
    encoder_sha256: str | None = None
    models: Mapping[str, str] = field(default_factory=dict)
    warmline_version: str = warmline.__version__

    @classmethod
    def for_analysers(
        cls, names: Iterable[str], *, scorecard_id: str | None = None, scorecard_version: str | None = None
    ) -> RunInfo:
        """The run info for these analysers with this installation's shipped models."""
        return cls(
            analysers=tuple(names),
            scorecard_id=scorecard_id,
            scorecard_version=scorecard_version,
            encoder_sha256=_encoder_sha256(),
            models=shipped_models(),
        )

    @classmethod
    def for_pipeline(cls, pipeline: Pipeline) -> RunInfo:
        """The run info for a pipeline's analysers (the scorecard comes from the saved scores)."""
        return cls.for_analysers(pipeline.names)

    def analysers_json(self) -> list[dict[str, str | None]]:
        return [{"name": n, "version": analyser_version(n)} for n in self.analysers]
