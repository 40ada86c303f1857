"""Live OpenTelemetry export (#25): with OTEL_EXPORTER_OTLP_ENDPOINT set, each turn goes through the SDK's OTLP/HTTP
exporter to a real OTLP/HTTP receiver started here (protobuf decoded with the OpenTelemetry protos), as GenAI
semantic-convention spans with OpenInference attributes, secrets redacted; a dead collector never breaks a turn
and is logged once."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the [otel] extra is not installed")

from app.tracing import otel  # noqa: E402

from conftest import free_port, make_runner  # noqa: E402

SECRET = "sk-live-0123456789abcdefSECRET"


class Receiver:
    """An OTLP/HTTP trace receiver: POST /v1/traces with an ExportTraceServiceRequest (protobuf)."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        outer = self
        self.spans: list[dict] = []
        self.raw = b""
        self.resources: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                outer.raw += body
                for resource_spans in request.resource_spans:
                    outer.resources.append(_attributes(resource_spans.resource.attributes))
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            outer.spans.append({
                                "name": span.name, "attributes": _attributes(span.attributes),
                                "events": [(e.name, _attributes(e.attributes)) for e in span.events],
                                "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                                "parent": span.parent_span_id.hex(), "status": span.status.code,
                                "start": span.start_time_unix_nano, "end": span.end_time_unix_nano,
                                "schema": scope.schema_url})
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def named(self, prefix: str) -> list[dict]:
        return [s for s in self.spans if s["name"].startswith(prefix)]

    def stop(self) -> None:
        self.server.shutdown()


def _attributes(pairs) -> dict:
    out = {}
    for kv in pairs:
        value = kv.value
        kind = value.WhichOneof("value")
        out[kv.key] = [v.string_value for v in value.array_value.values] if kind == "array_value" else \
            getattr(value, kind) if kind else None
    return out


@pytest.fixture
def exported(monkeypatch):
    receiver = Receiver()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "playground-under-test")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    otel.reset()
    yield receiver
    otel.reset()
    receiver.stop()


def test_a_turn_with_a_question_is_sent_as_genai_spans(exported, db_url):
    runner = make_runner(db_url)
    try:
        session = runner.new_session("awn", "demo/offline", tools=["weather"])
        asked = runner.turn(session.id, message=f"What's the weather like? (my key is {SECRET})")
        assert asked.status == "needs_clarification"
        done = runner.turn(session.id, answer="Paris")
        assert done.status == "done"
        assert otel.live().flush()
    finally:
        runner.close()

    turns = exported.named("invoke_agent awn")
    assert len(turns) == 2 and all(t["attributes"]["gen_ai.conversation.id"] == session.id for t in turns)
    first = next(t for t in turns if not t["attributes"]["playground.resumed"])
    assert first["attributes"]["gen_ai.operation.name"] == "invoke_agent"
    assert first["attributes"]["gen_ai.request.model"] == "demo/offline"
    assert first["attributes"]["openinference.span.kind"] == "AGENT"
    [(event, details)] = first["events"]
    assert event == "gen_ai.clarification.asked" and details["playground.clarification.kind"] == "missing_argument"
    assert details["playground.clarification.field"] == "city"

    chat = exported.named("chat demo/offline")
    assert chat and all(c["attributes"]["gen_ai.operation.name"] == "chat" for c in chat)
    assert chat[0]["attributes"]["gen_ai.usage.input_tokens"] > 0
    assert chat[0]["attributes"]["gen_ai.provider.name"] == "agent-playground.demo"
    assert chat[0]["attributes"]["openinference.span.kind"] == "LLM" and chat[0]["attributes"]["llm.model_name"]
    [tool] = exported.named("execute_tool weather")
    assert tool["attributes"]["gen_ai.tool.name"] == "weather" and tool["attributes"]["gen_ai.tool.call.id"]
    assert "Paris" in tool["attributes"]["gen_ai.tool.call.arguments"] and tool["attributes"]["tool.name"] == "weather"
    [clarification] = exported.named("clarification")
    assert clarification["attributes"]["playground.clarification.answer"] == "Paris"

    by_id = {t["span_id"]: t for t in turns}
    for span in [*chat, tool, clarification]:  # each step is a child of its turn, in its trace, with its own time
        assert span["parent"] in by_id and span["trace_id"] == by_id[span["parent"]]["trace_id"]
        assert span["start"] <= span["end"]
    assert all(s["schema"] == otel.SCHEMA_URL for s in exported.spans)
    assert exported.resources[0]["service.name"] == "playground-under-test"
    assert SECRET.encode() not in exported.raw and b"[REDACTED]" in exported.raw


def test_a_dead_collector_never_breaks_a_turn_and_is_said_once(monkeypatch, db_url, caplog):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nobody listens
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "1")
    otel.reset()
    runner = make_runner(db_url)
    caplog.set_level(logging.WARNING, logger="app.tracing.otel")
    try:
        for city in ("Rome", "Oslo"):
            session = runner.new_session("react", "demo/offline", tools=["weather"])
            assert runner.turn(session.id, message=f"What's the weather in {city}?").status == "done"
            otel.live().flush(5)
    finally:
        runner.close()
        otel.reset()
    said = [r for r in caplog.records if "OpenTelemetry export" in r.getMessage()]
    assert len(said) == 1 and "dropped" in said[0].getMessage()
