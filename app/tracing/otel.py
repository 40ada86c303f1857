"""Live OpenTelemetry export: with `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set,
every turn is sent as it runs, through the OpenTelemetry SDK's batching processor and its OTLP/HTTP exporter,
configured by the standard OTEL_* variables (headers, timeout, service name).

Spans follow the GenAI semantic conventions (opentelemetry-semantic-conventions 0.66b2, schema 1.44.0):
- `invoke_agent {agent}` for each turn (or the part of it up to a question, and the part after the answer):
  gen_ai.operation.name, gen_ai.agent.name, gen_ai.conversation.id (the session), gen_ai.provider.name,
  gen_ai.request.model; a question asked is an event `gen_ai.clarification.asked` on it;
- `chat {model}` for each model call: gen_ai.request.model, gen_ai.provider.name, gen_ai.usage.input_tokens,
  gen_ai.usage.output_tokens;
- `execute_tool {tool}` for each tool call: gen_ai.tool.name, gen_ai.tool.call.id, gen_ai.tool.call.arguments,
  gen_ai.tool.call.result;
- `clarification {kind}` for each question and its answer: playground.clarification.kind / .question / .answer
  / .field / .detected_by;
- the other steps (checks, plans, summaries) as `{kind} {name}`.
Each also carries the OpenInference attributes Phoenix and Langfuse read (openinference.span.kind AGENT / LLM /
TOOL / CHAIN, llm.model_name, llm.token_count.*, tool.name, input.value, output.value, session.id).

What is sent is what is stored: the recorder's redacted steps, the redacted message and answer. Exporting never
slows or breaks a turn: spans go to a background batch; a collector that is down is logged once, and the spans
it missed are dropped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

from app.tracing.steps import Step, StepKind

log = logging.getLogger(__name__)
SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
_lock = threading.Lock()
_live: "LiveExport | None | bool" = False  # False: not looked yet; None: not configured
TEXT_LIMIT = 16_000  # characters of an input or output value on a span


def enabled_by_env(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")) and \
        env.get("OTEL_SDK_DISABLED", "").lower() != "true"


def live() -> "LiveExport | None":
    """The process's exporter when the environment configures one (made on first use), else None."""
    global _live
    if _live is False:
        with _lock:
            if _live is False:
                _live = LiveExport.from_env() if enabled_by_env() else None
    return _live  # type: ignore[return-value]


def reset() -> None:
    """Flush and drop the exporter; the next turn reads the environment again (tests, a changed setting)."""
    global _live
    with _lock:
        if isinstance(_live, LiveExport):
            _live.shutdown()
        _live = False


class _OnceFailing:
    """The OTLP exporter, saying once that the collector cannot be reached (not once a batch)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.warned = False

    def export(self, spans):
        from opentelemetry.sdk.trace.export import SpanExportResult

        try:
            result = self.inner.export(spans)
        except Exception as exc:  # noqa: BLE001 - never let the exporter's thread die
            result, reason = SpanExportResult.FAILURE, f"{type(exc).__name__}: {exc}"
        else:
            reason = "the collector did not accept them"
        if result != SpanExportResult.SUCCESS and not self.warned:
            self.warned = True
            log.warning("OpenTelemetry export to %s failed (%s); spans are dropped until it answers, and this is "
                        "said once", getattr(self.inner, "_endpoint", "the collector"), reason)
        elif result == SpanExportResult.SUCCESS:
            self.warned = False
        return result

    def shutdown(self):
        return self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000):
        return getattr(self.inner, "force_flush", lambda *_: True)(timeout_millis)


class LiveExport:
    def __init__(self, provider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("agent-playground", schema_url=SCHEMA_URL)

    @classmethod
    def from_env(cls) -> "LiveExport | None":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not installed: "
                        "pip install -e '.[otel]'; traces are not sent")
            return None
        # The SDK's exporter logs every failed batch; ours says it once.
        logging.getLogger("opentelemetry.exporter.otlp.proto.http.trace_exporter").setLevel(logging.CRITICAL)
        logging.getLogger("opentelemetry.exporter.otlp.proto.http").setLevel(logging.CRITICAL)
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "agent-playground"})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(_OnceFailing(OTLPSpanExporter())))
        return cls(provider)

    def flush(self, timeout_s: float = 10.0) -> bool:
        return self.provider.force_flush(int(timeout_s * 1000))

    def shutdown(self) -> None:
        self.provider.shutdown()

    def turn(self, session, run_id: str, message: str | None, resumed: bool) -> "TurnSpan":
        return TurnSpan(self, session, run_id, message, resumed)


def _provider_of(model: str) -> str:
    head = model.split("/", 1)[0] if "/" in model else "openai"
    return {"demo": "agent-playground.demo", "local": "llama.cpp", "replay": "agent-playground.replay",
            "gemini": "gcp.gemini", "vertex_ai": "gcp.vertex_ai", "bedrock": "aws.bedrock"}.get(head, head)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"


def _ns(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1e9)


class TurnSpan:
    """One turn's `invoke_agent` span and its steps' child spans, each sent when it ends."""

    def __init__(self, export: LiveExport, session, run_id: str, message: str | None, resumed: bool) -> None:
        from opentelemetry import trace

        self.export, self.session, self.model = export, session, session.model
        attributes = {
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": session.agent,
            "gen_ai.conversation.id": session.id, "gen_ai.provider.name": _provider_of(session.model),
            "gen_ai.request.model": session.model, "openinference.span.kind": "AGENT", "session.id": session.id,
            "playground.run_id": run_id, "playground.resumed": resumed,
        }
        if message is not None:
            attributes["input.value"] = _text(message)
        self.span = export.tracer.start_span(f"invoke_agent {session.agent}", kind=trace.SpanKind.INTERNAL,
                                             attributes=attributes)
        self.context = trace.set_span_in_context(self.span)

    def step(self, s: Step) -> None:
        try:
            self._step(s)
        except Exception:  # noqa: BLE001 - a span we cannot make must not touch the turn
            log.debug("step not exported", exc_info=True)

    def _step(self, s: Step) -> None:
        from opentelemetry import trace

        name, attributes = _step_attributes(s, self.session)
        span = self.export.tracer.start_span(name, context=self.context, kind=trace.SpanKind.CLIENT
                                             if s.kind in (StepKind.MODEL, StepKind.TOOL) else trace.SpanKind.INTERNAL,
                                             attributes=attributes, start_time=_ns(s.started_at))
        if s.status == "error":
            span.set_status(trace.Status(trace.StatusCode.ERROR, str(s.error or "error")[:500]))
            span.set_attribute("error.type", "step_error")
        span.end(end_time=_ns(s.ended_at or s.started_at))

    def end(self, status: str, error: str | None = None, answer: str | None = None, question=None) -> None:
        from opentelemetry import trace

        try:
            self.span.set_attribute("playground.status", status)
            if answer is not None:
                self.span.set_attribute("output.value", _text(answer))
            if question is not None:
                self.span.add_event("gen_ai.clarification.asked", {
                    "playground.clarification.kind": question.kind, "playground.clarification.question":
                    question.question, "playground.clarification.field": question.field or "",
                    "playground.clarification.options": [str(o) for o in question.options],
                    "playground.clarification.detected_by": question.detected_by})
            if error is not None:
                self.span.set_status(trace.Status(trace.StatusCode.ERROR, error[:500]))
                self.span.set_attribute("error.type", "turn_error")
        finally:
            self.span.end()


def _step_attributes(s: Step, session) -> tuple[str, dict[str, Any]]:
    base = {"session.id": session.id, "gen_ai.conversation.id": session.id, "playground.step.kind": str(s.kind),
            "playground.step.node": s.node, "playground.step.seq": s.seq if s.seq is not None else -1}
    if s.kind == StepKind.MODEL:
        given = s.input if isinstance(s.input, dict) else {}
        model = str(given.get("model") or s.meta.get("model") or session.model)
        messages = given.get("messages", s.input)
        return f"chat {model}", {**base, "gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                                  "gen_ai.provider.name": _provider_of(model),
                                  "gen_ai.usage.input_tokens": s.prompt_tokens,
                                  "gen_ai.usage.output_tokens": s.completion_tokens,
                                  "openinference.span.kind": "LLM", "llm.model_name": model,
                                  "llm.token_count.prompt": s.prompt_tokens,
                                  "llm.token_count.completion": s.completion_tokens,
                                  "llm.token_count.total": s.prompt_tokens + s.completion_tokens,
                                  "input.value": _text(messages), "output.value": _text(s.output),
                                  "playground.cost_usd": s.cost}
    if s.kind == StepKind.TOOL:
        return f"execute_tool {s.name}", {**base, "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": s.name,
                                           "gen_ai.tool.type": "function",
                                           "gen_ai.tool.call.id": str(s.meta.get("tool_call_id") or ""),
                                           "gen_ai.tool.call.arguments": _text(s.input),
                                           "gen_ai.tool.call.result": _text(s.output if s.error is None else s.error),
                                           "openinference.span.kind": "TOOL", "tool.name": s.name,
                                           "input.value": _text(s.input), "output.value": _text(s.output)}
    if s.kind == StepKind.CLARIFICATION:
        asked = s.input if isinstance(s.input, dict) else {}
        return f"clarification {asked.get('kind') or s.name}", {
            **base, "openinference.span.kind": "CHAIN", "playground.clarification.kind": str(asked.get("kind") or s.name),
            "playground.clarification.question": str(asked.get("question") or ""),
            "playground.clarification.field": str(asked.get("field") or ""),
            "playground.clarification.detected_by": str(asked.get("detected_by") or ""),
            "playground.clarification.answer": _text(s.output), "input.value": str(asked.get("question") or ""),
            "output.value": _text(s.output)}
    return f"{s.kind} {s.name}", {**base, "openinference.span.kind": "CHAIN", "input.value": _text(s.input),
                                  "output.value": _text(s.output)}
