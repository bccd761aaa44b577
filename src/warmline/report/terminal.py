"""The terminal summary `warmline analyze` prints by default: one row per conversation, then the batch."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from warmline.model import Analysis, EmotionalMoment, Score, SentimentTrajectory, TalkMetrics
from warmline.report.views import batch_summary


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


def _moments(analysis: Analysis) -> str:
    moments = analysis.of_type(EmotionalMoment)
    if not moments:
        return "–"
    counts = {s: sum(1 for m in moments if m.status == s) for s in ("met", "missed", "mishandled")}
    return f"[green]{counts['met']}[/]/[red]{counts['missed']}[/]/[red]{counts['mishandled']}[/]"


def _score(analysis: Analysis) -> str:
    score = analysis.first(Score)
    if score is None:
        return "–"
    colour = "green" if score.score >= 70 else ("yellow" if score.score >= 45 else "red")
    mark = "[red]*[/]" if score.auto_failed else ""
    return f"[bold {colour}]{score.score:g}[/]{mark}"


def _sentiment(analysis: Analysis) -> str:
    t = analysis.first(SentimentTrajectory)
    if t is None or t.start is None or t.end is None:
        return "–"
    return f"{t.start:+.1f}→{t.end:+.1f}"


def print_summary(analyses: Sequence[Analysis], console: Console) -> None:
    """One row per conversation (score, moments met/missed/mishandled, sentiment, talk metrics), then
    per-agent averages and the most-missed moment types when there are several conversations."""
    table = Table(title=f"warmline: {len(analyses)} conversation(s)", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("conversation", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("moments\nmet/miss/bad", justify="right", no_wrap=True)
    table.add_column("customer\nsentiment", justify="right", no_wrap=True)
    table.add_column("length", justify="right", no_wrap=True)
    for analysis in analyses:
        convo = analysis.conversation
        metrics = analysis.first(TalkMetrics)
        table.add_row(
            convo.id,
            _score(analysis),
            _moments(analysis),
            _sentiment(analysis),
            _fmt_seconds(metrics.duration if metrics else None),
        )
    console.print(table)
    if any(s.auto_failed for a in analyses if (s := a.first(Score)) is not None):
        console.print("* auto-fail: an auto-fail item of the scorecard failed, so the score is 0")
    if len(analyses) < 2:
        return
    summary = batch_summary(analyses)
    if summary.mean_score is None:
        return
    agents = Table(title="per agent", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("agent", "calls", "mean score", "moments met/missed/mishandled"):
        agents.add_column(column, justify="left" if column == "agent" else "right")
    for a in summary.agents:
        agents.add_row(
            a.agent,
            str(a.conversations),
            "–" if a.mean_score is None else f"{a.mean_score:g}",
            f"{a.moments['met']}/{a.moments['missed']}/{a.moments['mishandled']}",
        )
    console.print(agents)
    if summary.missed_by_emotion:
        most = ", ".join(f"{emotion} ({n})" for emotion, n in summary.missed_by_emotion)
        console.print(f"most-missed moments: {most}")
    console.print(f"mean empathy score: [bold]{summary.mean_score:g}[/] · `--output html --out report.html` shows why")
