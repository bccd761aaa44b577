"""Role-play in a plain terminal: the customer speaks, the agent types, the customer reacts, feedback at the end.

No curses and no colour codes, so it works in any terminal, over ssh and when piped. Run it with
``python -m warmline.roleplay.terminal [SCENARIO] [--seed N]``; the ``warmline roleplay`` command
calls ``run_terminal``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence

from warmline.errors import WarmlineError
from warmline.model import Conversation
from warmline.roleplay.engine import AnalyserReader, BehaviourReader, CustomerReply, CustomerVoice, RoleplaySession
from warmline.roleplay.feedback import Feedback, build_feedback
from warmline.roleplay.scenario import Scenario, get_scenario, shipped_scenarios

HELP = "Type your reply and press Enter.  /hint a suggestion  /end close the call  /quit leave without feedback"
PROMPT = "You: "


def list_scenarios(output_fn: Callable[[str], None] = print) -> list[Scenario]:
    """Print the shipped scenarios, numbered; returns them in that order."""
    scenarios = list(shipped_scenarios())
    output_fn("Scenarios:")
    width = max(len(s.id) for s in scenarios)
    for i, s in enumerate(scenarios, 1):
        output_fn(f"  {i:>2}. {s.id:<{width}}  {s.title}")
    return scenarios


def run_terminal(
    scenario_id: str | None = None,
    *,
    input_fn: Callable[[str], str] = input,
    output_fn: Callable[[str], None] = print,
    seed: int | None = None,
    reader: BehaviourReader | None = None,
    voice: CustomerVoice | None = None,
    feedback_fn: Callable[[RoleplaySession], Feedback] = build_feedback,
    show_reasons: bool = True,
    width: int | None = None,
) -> int:
    """Play a scenario at the terminal; returns the exit status (0, or 2 for an unknown scenario).

    Parameters
    ----------
    scenario_id
        A shipped scenario's id or a scenario file; ``None`` lists the scenarios and asks.
    input_fn, output_fn
        How lines are read and written (``input`` and ``print`` by default).
    seed
        Replays the same customer lines; ``None`` picks one and shows it.
    reader, voice
        Passed to ``RoleplaySession`` (warmline's analyser and the scripted lines by default).
    feedback_fn
        Builds the feedback shown at the end.
    show_reasons
        After each customer line, show what moved the customer and the meters.

    Examples
    --------
    >>> run_terminal("billing-double-charge", seed=1)   # doctest: +SKIP
    """
    wrap = width or min(100, shutil.get_terminal_size((100, 24)).columns)

    def say(text: str, indent: str = "") -> None:
        output_fn(textwrap.fill(text, width=wrap, initial_indent=indent, subsequent_indent=indent + "  "))

    try:
        if scenario_id is None:
            chosen = _choose(input_fn, output_fn)
            if chosen is None:
                return 0
            scenario = chosen
        else:
            scenario = get_scenario(scenario_id)
    except WarmlineError as exc:
        output_fn(f"error: {exc}")
        return 2

    session = RoleplaySession(scenario, seed=seed, reader=reader, voice=voice)
    persona = scenario.persona
    name = persona.short_name
    output_fn("")
    say(f"{scenario.title}  ({scenario.id}, seed {session.seed})")
    say(scenario.situation, "  ")
    who = persona.name + (f", {persona.age}" if persona.age else "")
    say(f"Customer: {who}. {persona.temperament}", "  ")
    output_fn("")
    say(HELP)
    if isinstance(session.reader, AnalyserReader):
        output_fn("(loading warmline's behaviour models...)")
        try:
            session.reader("Hello.", Conversation(id="warm-up"))
        except WarmlineError as exc:  # a missing or corrupt model: say which, don't trace back
            output_fn(f"error: {exc}")
            return 2
    output_fn("")
    say(f"{name}: {session.opening()}")

    reply: CustomerReply | None = None
    while True:
        try:
            line = input_fn(PROMPT)
        except (EOFError, KeyboardInterrupt):
            output_fn("")
            output_fn("Left the role-play.")
            return 0
        text = line.strip()
        if not text:
            continue
        command = text.lower()
        if command == "/quit":
            output_fn("Left the role-play; no feedback.")
            return 0
        if command == "/help":
            say(HELP)
            continue
        if command == "/hint":
            say(f"Hint: {session.hint()}", "  ")
            continue
        if command == "/end":
            reply = session.finish()
            say(f"{name}: {reply.text}")
            break
        if text.startswith("/"):
            say(f"Unknown command {text.split()[0]!r}. {HELP}")
            continue
        reply = session.respond(text)
        say(f"{name}: {reply.text}")
        if show_reasons and reply.why:
            say(f"({reply.why}) [patience {session.patience}/10, trust {session.trust}/10]", "    ")
        if reply.ended is not None:
            break

    output_fn("")
    if reply is not None and reply.ended is not None:
        say(f"--- The call is over: {reply.ended.outcome(name)}. ---")
    output_fn("Scoring the call...")
    output_fn("")
    output_fn(feedback_fn(session).render_text(width=wrap).rstrip("\n"))
    return 0


def _choose(input_fn: Callable[[str], str], output_fn: Callable[[str], None]) -> Scenario | None:
    scenarios = list_scenarios(output_fn)
    while True:
        try:
            answer = input_fn("Choose a scenario (number or id, /quit to leave): ").strip()
        except (EOFError, KeyboardInterrupt):
            output_fn("")
            return None
        if answer.lower() in ("/quit", "q", "quit"):
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(scenarios):
            return scenarios[int(answer) - 1]
        found = next((s for s in scenarios if s.id == answer), None)
        if found is not None:
            return found
        output_fn(f"No scenario {answer!r}; type a number from 1 to {len(scenarios)} or an id.")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m warmline.roleplay.terminal [SCENARIO] [--seed N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m warmline.roleplay.terminal", description="Role-play a customer call in the terminal."
    )
    parser.add_argument("scenario", nargs="?", help="a scenario id or YAML file (none: list them and choose)")
    parser.add_argument("--seed", type=int, default=None, help="replay the same customer lines")
    parser.add_argument(
        "--reader",
        choices=("model", "phrase-bank"),
        default="model",
        help="read agent turns with the full behaviour models, or the phrase bank alone (faster start)",
    )
    parser.add_argument("--llm-url", help="an OpenAI-compatible endpoint to phrase the customer's lines")
    parser.add_argument("--llm-model", help="the model name for --llm-url")
    parser.add_argument("--llm-key-env", help="the environment variable holding the endpoint's API key")
    parser.add_argument("--llm-timeout", type=float, default=8.0, help="seconds before falling back to the script")
    parser.add_argument("--no-reasons", action="store_true", help="don't show why the customer reacted after each line")
    args = parser.parse_args(argv)

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    voice: CustomerVoice | None = None
    try:
        from warmline.roleplay.llm import LLMCustomer

        if args.llm_url:
            if not args.llm_model:
                parser.error("--llm-url needs --llm-model")
            voice = LLMCustomer(
                url=args.llm_url, model=args.llm_model, api_key_env=args.llm_key_env, timeout=args.llm_timeout
            )
        else:
            voice = LLMCustomer.from_env()
    except WarmlineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reader = AnalyserReader(use_heads=args.reader == "model")
    return run_terminal(args.scenario, seed=args.seed, reader=reader, voice=voice, show_reasons=not args.no_reasons)


if __name__ == "__main__":
    raise SystemExit(main())
