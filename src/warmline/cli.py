"""The `warmline` command: a thin shell over the library; every command opens library objects and calls them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from warmline.errors import ManyErrors, WarmlineError

app = typer.Typer(
    name="warmline",
    help="Empathy in contact-center conversations, measured and coached.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input or configuration (a WarmlineError).
EXIT_BAD_INPUT = 2


def reports_errors(func: F) -> F:
    """Turn a WarmlineError into a clear message on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ManyErrors as exc:
            for e in exc.errors:
                err_console.print(f"[red]error[/red] {_escape(str(e))}", highlight=False)
            err_console.print(f"{len(exc.errors)} invalid record(s)", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except WarmlineError as exc:
            err_console.print(f"[red]error[/red] {_escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    html = "html"


FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", help="Input format, or 'auto' to detect it from content (see `warmline formats`)."),
]
SpeakerMapOption = Annotated[
    list[str] | None,
    typer.Option("--speaker-map", help="NAME=ROLE: the role of a speaker label (repeatable), e.g. Dana=agent."),
]
ColumnMapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--column-map", help="FIELD=HEADER: which CSV column holds a field (repeatable), e.g. text=Utterance."
    ),
]
SkipInvalidOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Report bad records but exit 0 when the good ones were processed.")
]


@app.command()
@reports_errors
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of conversations.", show_default=False)],
    format: FormatOption = "auto",
    speaker_map: SpeakerMapOption = None,
    column_map: ColumnMapOption = None,
    output: Annotated[OutputFormat, typer.Option("--output", "-o", help="What to write.")] = OutputFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output (needed for parquet).")
    ] = None,
    skip_invalid: SkipInvalidOption = False,
    analysers: Annotated[
        list[str] | None, typer.Option("--analyser", "-a", help="Run only these analysers (versioned names).")
    ] = None,
    include_embeddings: Annotated[
        bool, typer.Option("--include-embeddings", help="Keep turn embeddings in JSON output.")
    ] = False,
    scorecard: Annotated[
        Path | None,
        typer.Option("--scorecard", help="A QA scorecard YAML file (default: warmline's empathy scorecard)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Conversations per batch.")] = 64,
) -> None:
    """Read conversations, run the analyser pipeline, and print a summary or write the annotations."""
    from warmline.io.base import expand_paths, iter_conversations
    from warmline.pipeline import DEFAULT_ANALYSERS, Pipeline
    from warmline.report.terminal import print_summary

    errors: list[WarmlineError] = []
    params: dict[str, dict[str, Any]] = {}
    if scorecard is not None:
        from warmline.scoring.scorecard import Scorecard

        Scorecard.load(scorecard)  # a bad scorecard fails before any work is done
        params["warmline.empathy_score.v1"] = {"scorecard": scorecard}
    pipeline = Pipeline.from_names(analysers or DEFAULT_ANALYSERS, batch_size=batch_size, params=params)
    files = expand_paths(paths)
    options = _importer_options(speaker_map, column_map)
    conversations = iter_conversations(files, format=format, on_error=errors.append, options=options)
    with _progress(len(files)) as advance:
        analyses = list(pipeline.analyse_stream(_counting(conversations, advance)))

    if output is OutputFormat.table:
        print_summary(analyses, Console())
    elif output is OutputFormat.html:
        from warmline.report.html import render_report, write_report

        if out is None:
            sys.stdout.write(render_report(analyses))
        else:
            written = write_report(analyses, out)
            err_console.print(f"wrote {len(written)} file(s): {written[0]}", highlight=False)
    else:
        _write(analyses, output, out, include_embeddings=include_embeddings)

    if errors:
        for e in errors:
            err_console.print(f"[red]error[/red] {_escape(str(e))}", highlight=False)
        err_console.print(
            f"{len(errors)} invalid record(s); {len(analyses)} conversation(s) processed", highlight=False
        )
        if not skip_invalid:
            raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
@reports_errors
def convert(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of conversations.", show_default=False)],
    format: FormatOption = "auto",
    speaker_map: SpeakerMapOption = None,
    column_map: ColumnMapOption = None,
    output: Annotated[OutputFormat, typer.Option("--output", "-o", help="Output format.")] = OutputFormat.jsonl,
    out: Annotated[Path | None, typer.Option("--out", help="Output file (standard output if omitted).")] = None,
    skip_invalid: SkipInvalidOption = False,
) -> None:
    """Convert conversations from any supported format to warmline JSON, JSONL, CSV or Parquet."""
    from warmline.io.base import load

    result = load(paths, format=format, options=_importer_options(speaker_map, column_map))
    if output in (OutputFormat.table, OutputFormat.html):
        raise WarmlineError("choose json, jsonl, csv or parquet", field="--output")
    _write(result.conversations, output, out, include_embeddings=False)
    if result.errors and not skip_invalid:
        raise ManyErrors(result.errors)
    for e in result.errors:
        err_console.print(f"[yellow]skipped[/yellow] {_escape(str(e))}", highlight=False)


@app.command("import")
@reports_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of conversations.", show_default=False)],
    format: FormatOption = "auto",
    speaker_map: SpeakerMapOption = None,
    column_map: ColumnMapOption = None,
    analyse: Annotated[
        bool, typer.Option("--analyse/--no-analyse", help="Score the imported conversations and store the run.")
    ] = True,
    scorecard: Annotated[Path | None, typer.Option("--scorecard", help="A QA scorecard YAML file.")] = None,
    redact: Annotated[
        str | None,
        typer.Option(
            "--redact",
            help="Personal data to replace before storing: 'default' (cards, security codes, SSNs, phones, "
            "e-mails, addresses, dates of birth), 'none', or a comma-separated list of kinds.",
        ),
    ] = "default",
    skip_invalid: SkipInvalidOption = False,
) -> None:
    """Import conversations into the configured store (WARMLINE_DATABASE_URL; SQLite by default), idempotently."""
    from warmline.io.base import iter_conversations
    from warmline.pipeline import DEFAULT_ANALYSERS, Pipeline
    from warmline.redaction import RedactionPolicy, redact_conversation
    from warmline.store.commands import import_paths
    from warmline.store.repository import Store
    from warmline.store.runs import RunInfo

    options = _importer_options(speaker_map, column_map)
    policy = None
    if redact and redact != "none":
        policy = RedactionPolicy() if redact == "default" else RedactionPolicy.from_names(redact)
    params: dict[str, dict[str, Any]] = {}
    if scorecard is not None:
        from warmline.scoring.scorecard import Scorecard

        Scorecard.load(scorecard)
        params["warmline.empathy_score.v1"] = {"scorecard": scorecard}
    store = Store.open()
    try:
        result = import_paths(paths, format, options, store, redaction=policy)
        console = Console(stderr=True, soft_wrap=True)
        console.print(
            f"imported: {result.created} new, {result.updated} updated, {result.unchanged} unchanged",
            highlight=False,
        )
        if analyse and (result.created or result.updated):
            pipeline = Pipeline.from_names(DEFAULT_ANALYSERS, params=params)
            # the same conversations as stored: read again, redacted the same way (redaction is deterministic)
            good = iter_conversations(paths, format=format, on_error=lambda e: None, options=options)
            stored = (redact_conversation(c, policy=policy)[0] if policy else c for c in good)
            run = store.save_analyses(pipeline.analyse_stream(stored), RunInfo.for_pipeline(pipeline))
            console.print(f"analysed and stored as run {run}", highlight=False)
    finally:
        store.close()
    for e in result.errors:
        err_console.print(f"[red]error[/red] {_escape(str(e))}", highlight=False)
    if result.errors and not skip_invalid:
        raise typer.Exit(EXIT_BAD_INPUT)


user_app = typer.Typer(help="Manage web-app users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens for machines.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the store's database schema.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")


@user_app.command("add")
@reports_errors
def user_add(
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option("--role", help="agent, supervisor or admin.")] = "agent",
    agent_id: Annotated[str | None, typer.Option("--agent-id", help="The agent id this user is (agents).")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="A team this user belongs to (repeatable).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="The password (prompted for, hidden, when omitted).", envvar="WARMLINE_PASSWORD"
        ),
    ] = None,
) -> None:
    """Add a user who logs in to the web app, with a role that decides what they may see."""
    from warmline.store.commands import add_user

    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = add_user(username, secret, role, agent_id=agent_id, teams=team or ())
    Console().print(f"added {user.username} ({user.role})", highlight=False)


@token_app.command("create")
@reports_errors
def token_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
) -> None:
    """Create an API token for a user; it is shown once and stored only as a hash."""
    from warmline.store.commands import create_token

    sys.stdout.write(create_token(username, name) + "\n")


@db_app.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Bring the configured database's schema up to date (migrations)."""
    from warmline.store.migrate import upgrade

    upgrade()
    Console().print("database schema is up to date")


class ClassifyTask(StrEnum):
    emotion = "emotion"
    behaviours = "behaviours"


@app.command()
@reports_errors
def classify(
    task: Annotated[ClassifyTask, typer.Option("--task", help="What to classify.")],
    input: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="JSONL file of {id, text, context?} (standard input if omitted)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Lines per model batch.")] = 64,
) -> None:
    """Classify single texts from JSONL: customer emotion, or agent behaviours with evidence."""
    from warmline.classify import classify_lines, read_requests

    lines = input.open(encoding="utf-8") if input is not None else sys.stdin
    try:
        for out_line in classify_lines(read_requests(lines, path=str(input or "<stdin>")), task.value, batch_size):
            sys.stdout.write(out_line + "\n")
    finally:
        if input is not None:
            lines.close()


@app.command()
def roleplay(
    scenario: Annotated[
        str | None, typer.Argument(help="A scenario id or YAML file (none: list the scenarios and choose).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Replay the same customer lines.")] = None,
    llm_url: Annotated[
        str | None, typer.Option("--llm-url", help="An OpenAI-compatible endpoint to voice the customer (optional).")
    ] = None,
    llm_model: Annotated[str | None, typer.Option("--llm-model", help="The model name for --llm-url.")] = None,
) -> None:
    """Role-play a customer call: the simulated customer reacts to how you speak; feedback at the end."""
    from warmline.roleplay.terminal import main as roleplay_main

    args = [scenario] if scenario else []
    if seed is not None:
        args += ["--seed", str(seed)]
    if llm_url:
        args += ["--llm-url", llm_url]
    if llm_model:
        args += ["--llm-model", llm_model]
    raise typer.Exit(roleplay_main(args))


@app.command()
def formats() -> None:
    """List the input formats warmline reads and the output formats it writes."""
    from rich.table import Table

    from warmline.io.base import exporters, importers

    table = Table("input format", "what it reads")
    for name, imp in sorted(importers().items()):
        table.add_row(name, imp.description)
    console = Console()
    console.print(table)
    console.print("output formats: " + ", ".join(sorted(exporters())))


@app.command("analysers")
def list_analysers() -> None:
    """List the registered analysers by versioned name, with what they require and assign."""
    from rich.table import Table

    from warmline.analysers.base import registered
    from warmline.pipeline import DEFAULT_ANALYSERS

    table = Table("analyser", "default", "requires", "assigns")
    for name, factory in sorted(registered().items()):
        a = factory()
        table.add_row(name, "yes" if name in DEFAULT_ANALYSERS else "", ", ".join(a.requires), ", ".join(a.assigns))
    Console().print(table)


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise WarmlineError(f"{value!r} is not NAME=VALUE", field=option)
        pairs[key.strip()] = target.strip()
    return pairs


def _importer_options(speaker_map: list[str] | None, column_map: list[str] | None) -> dict[str, Any]:
    from warmline.model import Role

    speakers = _pairs(speaker_map, "--speaker-map")
    for name, role in speakers.items():
        if role.lower() not in {r.value for r in Role}:
            raise WarmlineError(f"{name}={role}: role must be agent, customer, bot or system", field="--speaker-map")
    return {
        "speaker_map": {k: v.lower() for k, v in speakers.items()},
        "column_map": _pairs(column_map, "--column-map"),
    }


def _write(items: list[Any], output: OutputFormat, out: Path | None, *, include_embeddings: bool) -> None:
    from warmline.io.base import get_exporter

    exporter: Any = get_exporter(output.value)
    if hasattr(exporter, "include_embeddings"):
        exporter = type(exporter)(include_embeddings=include_embeddings)
    if out is not None:
        exporter.write(items, out)
    elif output is OutputFormat.parquet:
        raise WarmlineError("parquet is binary: give a file with --out", field="--out")
    else:
        exporter.write(items, sys.stdout)


class _progress:
    """A progress bar on stderr when there are more than a handful of files or conversations."""

    def __init__(self, files: int) -> None:
        self.files = files
        self._progress: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not err_console.is_terminal and not _force_progress():
            return lambda n: None
        from rich.progress import Progress

        self._progress = Progress(console=err_console, transient=True)
        self._progress.start()
        task = self._progress.add_task("analysing", total=None)
        return lambda n: self._progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _force_progress() -> bool:
    import os

    return os.environ.get("WARMLINE_PROGRESS") == "1"


def _counting(items: Iterator[Any], advance: Callable[[int], None]) -> Iterator[Any]:
    for item in items:
        advance(1)
        yield item


def main() -> None:
    app()


if __name__ == "__main__":
    main()
