"""The self-contained HTML report: one file per conversation or batch, no network, opens in any browser."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from warmline.model import Analysis, Score
from warmline.report.views import batch_summary, conversation_view, timeline_points

#: Emotion colours of the timeline (colour-blind-safe where it matters: negative warm, positive green).
EMOTION_COLOURS = {
    "neutral": "#8d959e",
    "satisfaction": "#1f7a4d",
    "confusion": "#7b61c4",
    "anxiety": "#d98e04",
    "sadness": "#3c6fd1",
    "frustration": "#e0642b",
    "anger": "#b3261e",
}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("warmline", "report/templates"), autoescape=select_autoescape(["j2"]))
    env.globals.update(timeline=timeline_points, clock=_clock, colours=EMOTION_COLOURS)
    return env


def render_report(analyses: Sequence[Analysis], *, title: str | None = None) -> str:
    """The report as one HTML document: a batch summary (when there are several) and every conversation.

    Examples
    --------
    >>> from warmline.model import Conversation
    >>> "<!doctype html>" in render_report([Analysis(Conversation(id="c1"))])
    True
    """
    from warmline import __version__

    views = [conversation_view(a) for a in analyses]
    scores = [a.first(Score) for a in analyses]
    card = next((f"{s.scorecard} v{s.scorecard_version}" for s in scores if s is not None), "–")
    if title is None:
        title = (
            f"warmline report: {analyses[0].conversation.id}"
            if len(analyses) == 1
            else (f"warmline report: {len(analyses)} conversations")
        )
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            views=views,
            summary=batch_summary(analyses),
            scorecard_name=card,
            version=__version__,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


def write_report(analyses: Sequence[Analysis], out: Path) -> list[Path]:
    """Write the report: to ``out`` if it ends in ``.html``; otherwise into the folder ``out`` as
    ``index.html`` (the batch) plus one file per conversation. Returns the files written."""
    if out.suffix.lower() in (".html", ".htm"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_report(analyses), encoding="utf-8")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(render_report(analyses), encoding="utf-8")
    for analysis in analyses:
        view = conversation_view(analysis)
        path = out / f"{view.anchor.removeprefix('c-')}.html"
        path.write_text(render_report([analysis]), encoding="utf-8")
        written.append(path)
    return written
