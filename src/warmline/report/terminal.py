"""The terminal summary `warmline analyze` prints by default: one row per conversation, then totals."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from warmline.model import Analysis, TalkMetrics


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


def _fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def print_summary(analyses: Sequence[Analysis], console: Console) -> None:
    """Print one row per conversation with its talk metrics, and a footer with the count."""
    table = Table(title=f"warmline: {len(analyses)} conversation(s)", title_justify="left")
    for column in ("conversation", "channel", "agent", "turns", "duration", "agent talk", "dead air", "interruptions"):
        table.add_column(column, justify="left" if column in ("conversation", "channel", "agent") else "right")
    for analysis in analyses:
        convo = analysis.conversation
        metrics = analysis.first(TalkMetrics)
        interruptions = "–"
        if metrics is not None and metrics.agent_interruptions is not None:
            interruptions = f"{metrics.agent_interruptions} by agent / {metrics.customer_interruptions} by customer"
        table.add_row(
            convo.id,
            convo.channel.value,
            convo.agent_id or "–",
            str(len(convo.turns)),
            _fmt_seconds(metrics.duration if metrics else None),
            _fmt_ratio(metrics.talk_ratio if metrics else None),
            _fmt_seconds(metrics.silence_time if metrics else None),
            interruptions,
        )
    console.print(table)
