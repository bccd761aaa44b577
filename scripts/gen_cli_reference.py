"""Generate docs/cli.md from the CLI's own help text, so the reference cannot drift from the code.

Run: .venv/bin/python scripts/gen_cli_reference.py          (writes docs/cli.md)
     .venv/bin/python scripts/gen_cli_reference.py --check  (exit 1 if docs/cli.md is stale; a test runs this)
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer.main

from warmline.cli import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def render() -> str:
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    lines = [
        "# `warmline` command reference",
        "",
        "Generated from the commands' own help by `scripts/gen_cli_reference.py`; a test fails when it is stale.",
        "Every command exits 0 on success and 2 on bad input or configuration, with a message naming the file,",
        "line or field.",
        "",
    ]
    for name in sorted(group.commands):
        command = group.commands[name]
        lines += [f"## `warmline {name}`", "", (command.help or "").strip(), ""]
        arguments = [p for p in command.params if type(p).__name__.endswith("Argument")]
        options = [p for p in command.params if type(p).__name__.endswith("Option") and p.name != "help"]
        usage = " ".join(
            [f"warmline {name}", *(_arg(a) + ("..." if a.nargs == -1 else "") for a in arguments), "[OPTIONS]"]
        )
        lines += ["```", usage, "```", ""]
        if options or arguments:
            lines += ["| argument / option | meaning | default |", "|---|---|---|"]
            for a in arguments:
                lines.append(f"| `{_arg(a)}` | {getattr(a, 'help', '') or ''} | required |")
            for o in options:
                flag = ", ".join(f"`{x}`" for x in [*o.opts, *o.secondary_opts])
                enum = o.type_descriptor.annotation
                choices = (
                    f" One of: {', '.join(e.value for e in enum)}."
                    if isinstance(enum, type) and issubclass(enum, Enum)
                    else ""
                )
                value = o.default.value if isinstance(o.default, Enum) else o.default
                default = "" if value in (None, False, ()) or o.is_flag else f"`{value}`"
                if o.required:
                    default = "required"
                lines.append(f"| {flag} | {(o.help or '').strip()}{choices} | {default} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _arg(param: Any) -> str:
    return str(param.name).upper()


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run .venv/bin/python scripts/gen_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
