"""The optional LLM customer against a fake OpenAI-compatible server on 127.0.0.1: it phrases the line the
engine chose, sends the persona and the conversation, and falls back to the script on errors and timeouts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from warmline.roleplay.engine import RoleplaySession
from warmline.roleplay.llm import LLMCustomer, LLMError
from warmline.roleplay.scenario import get_scenario

from .helpers import GOOD, PhraseReader, play

BILLING = get_scenario("billing-double-charge")


class FakeOpenAI:
    """A tiny chat-completions server: ``mode`` is ok, error (HTTP 500), slow (answers too late) or junk."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                fake.headers.append(dict(self.headers))
                if fake.mode == "error":
                    self.send_error(500, "model crashed")
                    return
                if fake.mode == "slow":
                    time.sleep(1.5)
                if fake.mode == "junk":
                    payload = "not json"
                else:
                    system = body["messages"][0]["content"]
                    scripted = system.split('in your own words: "', 1)[1].split('"', 1)[0]
                    message = {"role": "assistant", "content": f'Dana: "(LLM) {scripted}"'}
                    payload = json.dumps(
                        {
                            "id": "chatcmpl-test",
                            "object": "chat.completion",
                            "model": body["model"],
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        }
                    )
                data = payload.encode("utf-8")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is the point of the slow mode

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _session(voice: LLMCustomer) -> RoleplaySession:
    return RoleplaySession(BILLING, seed=1, reader=PhraseReader(), voice=voice)


def test_llm_phrases_the_scripted_line(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-123")
    voice = LLMCustomer(url=server.url, model="tiny-model", api_key_env="TEST_LLM_KEY", timeout=5)
    session = _session(voice)
    scripted = _session_without_voice()
    said = play(session, GOOD)
    expected = play(scripted, GOOD)
    # the LLM's words, the script's content; the speaker prefix and quotes are stripped
    assert said == [f"(LLM) {line}" for line in expected]
    assert session.ended is not None and session.ended.kind == "resolved_satisfied"
    assert all(e.voice_error is None for e in session.events)
    first, second = server.requests[0], server.requests[1]
    assert first["model"] == "tiny-model" and first["messages"][0]["role"] == "system"
    assert "Dana Reyes, aged 41" in first["messages"][0]["content"]
    assert "It was £42.50 both times" in first["messages"][0]["content"]  # the facts she knows
    assert first["messages"][-1]["role"] == "user"  # the opening: a cue to speak first
    # the conversation so far: customer lines as the assistant, the agent's as the user
    assert [m["role"] for m in second["messages"][1:]] == ["assistant", "user"]
    assert second["messages"][-1]["content"] == GOOD[0]
    assert server.headers[0]["Authorization"] == "Bearer sk-test-123"


def _session_without_voice() -> RoleplaySession:
    return RoleplaySession(BILLING, seed=1, reader=PhraseReader())


def test_llm_fact_and_ending_go_into_the_prompt(server: FakeOpenAI) -> None:
    session = _session(LLMCustomer(url=server.url + "/v1", model="m", timeout=5))
    play(session, GOOD)
    prompts = [r["messages"][0]["content"] for r in server.requests]
    assert any("Include this detail" in p and "Both went out on the 3rd" in p for p in prompts)
    assert "the call ends because Dana was satisfied with the resolution" in prompts[-1]
    assert "Authorization" not in server.headers[0]  # no key configured, none sent


def test_llm_server_error_falls_back_to_the_script(server: FakeOpenAI) -> None:
    server.mode = "error"
    session = _session(LLMCustomer(url=server.url, model="m", timeout=5))
    assert play(session, GOOD) == play(_session_without_voice(), GOOD)
    assert session.events[0].voice_error is not None and "HTTP 500" in session.events[0].voice_error


def test_llm_timeout_falls_back_to_the_script(server: FakeOpenAI) -> None:
    server.mode = "slow"
    session = _session(LLMCustomer(url=server.url, model="m", timeout=0.3))
    started = time.monotonic()
    opening = session.opening()
    assert time.monotonic() - started < 1.4  # gave up before the server answered
    assert opening in BILLING.opening
    reply = session.respond(GOOD[0])
    assert reply.text in BILLING.states["calm"].lines
    assert session.events[0].voice_error is not None and "LLMError" in session.events[0].voice_error


def test_llm_junk_answer_falls_back(server: FakeOpenAI) -> None:
    server.mode = "junk"
    voice = LLMCustomer(url=server.url, model="m", timeout=5)
    session = _session(voice)
    assert session.opening() in BILLING.opening
    with pytest.raises(LLMError, match="not an OpenAI-style chat completion"):
        voice.complete([{"role": "user", "content": "hi"}])


def test_llm_unreachable_endpoint_falls_back() -> None:
    with FakeOpenAI() as fake:
        url = fake.url
    session = _session(LLMCustomer(url=url, model="m", timeout=1))  # the server is gone
    assert session.opening() in BILLING.opening


def test_llm_endpoint_and_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LLMCustomer(url="http://h:1", model="m").endpoint == "http://h:1/v1/chat/completions"
    assert LLMCustomer(url="http://h:1/v1/", model="m").endpoint == "http://h:1/v1/chat/completions"
    full = "http://h:1/openai/v1/chat/completions"
    assert LLMCustomer(url=full, model="m").endpoint == full
    assert LLMCustomer.from_env({}) is None
    voice = LLMCustomer.from_env(
        {"WARMLINE_LLM_URL": "http://h:1", "WARMLINE_LLM_MODEL": "m", "WARMLINE_LLM_TIMEOUT": "2.5"}
    )
    assert voice is not None and voice.timeout == 2.5 and voice.api_key_env is None
    with pytest.raises(LLMError, match="WARMLINE_LLM_MODEL"):
        LLMCustomer.from_env({"WARMLINE_LLM_URL": "http://h:1"})


def test_llm_missing_key_is_an_error_not_a_silent_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    voice = LLMCustomer(url="http://127.0.0.1:9", model="m", api_key_env="NO_SUCH_KEY_VAR")
    with pytest.raises(LLMError, match="NO_SUCH_KEY_VAR"):
        voice.complete([{"role": "user", "content": "hi"}])
