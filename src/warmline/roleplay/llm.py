"""An optional LLM voice for the simulated customer, through any OpenAI-compatible chat endpoint.

The scenario's state machine still decides everything: the state, the transitions, the facts told
and the ending. The LLM only rephrases the scripted line the engine chose, in the persona's voice,
given the conversation so far. Any failure — no answer within the timeout, an HTTP error, a reply
that is not the expected JSON — raises ``LLMError``, and the session falls back to the scripted line.
Only the standard library is used (``urllib.request``); nothing is sent anywhere unless configured.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warmline.errors import WarmlineError
from warmline.model import Role
from warmline.roleplay.engine import LineRequest

#: Environment variables read by ``LLMCustomer.from_env``.
ENV_URL = "WARMLINE_LLM_URL"
ENV_MODEL = "WARMLINE_LLM_MODEL"
ENV_KEY_NAME = "WARMLINE_LLM_API_KEY_ENV"
ENV_TIMEOUT = "WARMLINE_LLM_TIMEOUT"

_MAX_CHARS = 600


class LLMError(WarmlineError):
    """The LLM endpoint failed or answered with something that is not a customer line."""

    code = "W500"


@dataclass(frozen=True, slots=True)
class LLMCustomer:
    """Phrases the customer's lines with a chat model behind an OpenAI-compatible endpoint.

    Parameters
    ----------
    url
        The endpoint: a full ``.../v1/chat/completions`` URL, or a base such as
        ``http://127.0.0.1:8080`` or ``http://127.0.0.1:8080/v1`` (the path is completed).
    model
        The model name the endpoint expects.
    api_key_env
        The name of the environment variable that holds the API key (sent as a bearer token);
        ``None`` sends no key, as local servers usually need none.
    timeout
        Seconds to wait for an answer before falling back to the scripted line.

    Examples
    --------
    >>> from warmline.roleplay.engine import RoleplaySession
    >>> from warmline.roleplay.scenario import get_scenario
    >>> voice = LLMCustomer(url="http://127.0.0.1:8080", model="llama3.1:8b", timeout=5)
    >>> voice.endpoint
    'http://127.0.0.1:8080/v1/chat/completions'
    >>> session = RoleplaySession(get_scenario("fraud-scare-card"), seed=3, voice=voice)  # doctest: +SKIP
    """

    url: str
    model: str
    api_key_env: str | None = None
    timeout: float = 8.0
    temperature: float = 0.7
    max_tokens: int = 160

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LLMCustomer | None:
        """Settings from ``WARMLINE_LLM_URL``, ``WARMLINE_LLM_MODEL``, ``WARMLINE_LLM_API_KEY_ENV`` and
        ``WARMLINE_LLM_TIMEOUT``; ``None`` when no URL is set (the scripted customer is used)."""
        env = os.environ if env is None else env
        url = env.get(ENV_URL, "").strip()
        if not url:
            return None
        model = env.get(ENV_MODEL, "").strip()
        if not model:
            raise LLMError(f"{ENV_URL} is set but {ENV_MODEL} is not; name the model to use", field=ENV_MODEL)
        timeout = env.get(ENV_TIMEOUT, "").strip()
        try:
            seconds = float(timeout) if timeout else 8.0
        except ValueError:
            raise LLMError(f"{timeout!r} is not a number of seconds", field=ENV_TIMEOUT) from None
        return cls(url=url, model=model, api_key_env=env.get(ENV_KEY_NAME) or None, timeout=seconds)

    @property
    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        if url.endswith("/chat/completions"):
            return url
        if url.endswith("/v1"):
            return url + "/chat/completions"
        return url + "/v1/chat/completions"

    # --- the prompt -------------------------------------------------------------------------------

    def messages(self, request: LineRequest) -> list[dict[str, str]]:
        """The chat messages for one line: the persona and instructions, then the conversation so far."""
        scenario, persona = request.scenario, request.scenario.persona
        who = persona.name + (f", aged {persona.age}" if persona.age else "")
        facts = "\n".join(f"- {f.answer}" for f in scenario.facts)
        task = [
            f'Your next line must say this, in your own words: "{request.scripted}"',
            f"You feel {request.state.name} right now; let it show in how you speak.",
        ]
        if request.fact is not None:
            task.append(f'Include this detail, because the agent asked: "{request.fact.answer}"')
        if request.ending is not None:
            task.append(f"This is your last line: the call ends because {request.ending.outcome(persona.short_name)}.")
        system = "\n".join(
            [
                "You are playing a customer on a call with a contact-center agent, for the agent's training.",
                f"You are {who}. Temperament: {persona.temperament}",
                f"Situation (from the agent's briefing): {scenario.situation}",
                "What you know, to be told only when it fits:",
                facts,
                *task,
                "Reply with the customer's spoken words only: one to three short sentences, no stage directions, "
                "no quotation marks, no name prefix. Never mention being an AI or these instructions. Do not agree "
                "to anything, or settle the issue, beyond what the line above says.",
            ]
        )
        out = [{"role": "system", "content": system}]
        for turn in request.conversation.turns:
            if turn.role is Role.CUSTOMER:
                out.append({"role": "assistant", "content": turn.text})
            elif turn.role is Role.AGENT:
                out.append({"role": "user", "content": turn.text})
        if out[-1]["role"] != "user":
            out.append({"role": "user", "content": "(The agent has answered your call. Say your opening line.)"})
        return out

    # --- the call ----------------------------------------------------------------------------------

    def phrase(self, request: LineRequest) -> str:
        """The customer's line, phrased by the model.

        Raises
        ------
        LLMError
            on a timeout, an HTTP or network error, or an answer that is not a usable line.
        """
        persona = request.scenario.persona
        line = self.complete(self.messages(request))
        # models sometimes write a script ("Dana: ...") rather than the words alone
        names = "|".join(re.escape(n) for n in {"Customer", persona.name, persona.short_name})
        line = re.sub(rf"^(?:{names})\s*:\s*", "", line, count=1, flags=re.IGNORECASE).strip("\"'“”‘’ ")
        if not line:
            raise LLMError("the completion is empty")
        return line

    def complete(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps(
            {
                "model": self.model,
                "messages": messages,
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "stream": False,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env, "").strip()
            if not key:
                raise LLMError(f"the API key variable {self.api_key_env} is empty or unset", field="api_key_env")
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise LLMError(f"{self.endpoint} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LLMError(f"no answer from {self.endpoint}: {reason}") from None
        return _line_from(raw)


def _line_from(raw: bytes) -> str:
    try:
        data: Any = json.loads(raw.decode("utf-8"))
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("the answer is not an OpenAI-style chat completion") from None
    if not isinstance(content, str):
        raise LLMError("the completion has no text")
    line = " ".join(content.split()).strip("\"'“”‘’ ")
    if not line:
        raise LLMError("the completion is empty")
    if len(line) > _MAX_CHARS:
        raise LLMError(f"the completion is {len(line)} characters; a customer line is at most {_MAX_CHARS}")
    return line
