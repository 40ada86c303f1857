"""Tool retrieval: with many tools, offer the model only the k that fit the request.

`ToolIndex` ranks tools for a query with BM25 (Okapi, k1=1.2, b=0.75) over what a tool says about itself: its
name (split at `_`, `-` and camelCase, counted three times), its description, and its parameters' names,
descriptions and allowed values. Words are lower-cased, stop words dropped, a light suffix stemmer maps
"booking"/"booked"/"books" to one term, and the usual verbs of API operations map to one term each ("remove",
"cancel" and "delete" are all `delete`), in tools and requests alike. No model and no network: it is the default.

`EmbeddingIndex` ranks by cosine similarity of embeddings from an embedding function (the playground gives it
its LiteLLM gateway, so any LiteLLM embedding model works; the tools are embedded once per index); `index_for(tools, method)` picks one: "bm25", or "embedding:<model>".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from tools.model import Tool

STOP = frozenset("""a an and are as at be but by can could do does for from get give how i if in into is it its me
my of on or our please show so than that the their them then there these this to us was we what when where which
who will with would you your tell want need let lets some any all about up out just""".split())


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    return word


# The verbs of API operations, as people say them: each maps to one term, in tools and in requests alike.
VERBS = {
    "create": ("add", "new", "make", "create", "register", "open", "log", "put", "set up", "schedule"),
    "delete": ("delete", "remove", "erase", "drop", "discard", "cancel"),
    "update": ("update", "change", "edit", "modify", "move", "rename", "switch", "turn", "set"),
    "search": ("search", "find", "look", "lookup", "query", "which", "any"),
    "get": ("get", "fetch", "detail", "details", "show", "read", "retrieve", "what"),
    "list": ("list", "recent", "latest", "all"),
    "send": ("send", "post", "tell", "email", "message", "notify"),
}
_VERB = {word: verb for verb, words in VERBS.items() for word in words if " " not in word}


def terms(text: str, verbs: bool = True) -> list[str]:
    """Content words, stemmed; with `verbs`, operation verbs as their one term (for ranking tools, not for
    comparing questions, where "which" and "what" must stay stop words)."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text or "")
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1]
    if not verbs:
        return [_stem(w) for w in words if w not in STOP]
    return [_VERB.get(w) or _stem(w) for w in words if w in _VERB or w not in STOP]


def tool_text(tool: Tool) -> tuple[str, str]:
    """(name text, the rest): what a tool says about itself, for indexing."""
    parts = [tool.description]
    for name, schema in (tool.parameters.get("properties") or {}).items():
        parts.append(name)
        parts.append(str(schema.get("description") or ""))
        parts.extend(str(v) for v in schema.get("enum") or [])
    return tool.name.replace("_", " ").replace("-", " "), " ".join(parts)


@dataclass
class Ranked:
    name: str
    score: float


class ToolIndex:
    """BM25 over the tools' self-descriptions."""

    method = "bm25"

    def __init__(self, tools: Iterable[Tool], k1: float = 1.2, b: float = 0.75, name_weight: int = 3):
        self.tools = list(tools)
        self.k1, self.b = k1, b
        self.docs: list[Counter] = []
        for t in self.tools:
            name, rest = tool_text(t)
            self.docs.append(Counter(terms(name) * name_weight + terms(rest)))
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        frequency: Counter = Counter()
        for d in self.docs:
            frequency.update(d.keys())
        n = len(self.docs)
        self.idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}

    def rank(self, query: str, k: int | None = None) -> list[Ranked]:
        wanted = Counter(terms(query))
        scored = []
        for tool, doc, length in zip(self.tools, self.docs, self.lengths):
            score = 0.0
            for term, count in wanted.items():
                tf = doc.get(term)
                if tf:
                    norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self.average))
                    score += self.idf[term] * norm * (1 + 0.2 * (count - 1))
            scored.append(Ranked(tool.name, round(score, 4)))
        scored.sort(key=lambda r: (-r.score, r.name))
        return scored[:k] if k else scored


class EmbeddingIndex:
    """Cosine similarity of LiteLLM embeddings (`model` is any LiteLLM embedding model string)."""

    def __init__(self, tools: Iterable[Tool], model: str, embed):
        self.tools = list(tools)
        self.model = model
        self.method = f"embedding:{model}"
        self._embed = embed  # (model, texts) -> vectors; the playground passes its LiteLLM gateway
        self.vectors = self._embed(model, [" ".join(tool_text(t)) for t in self.tools])

    def rank(self, query: str, k: int | None = None) -> list[Ranked]:
        [q] = self._embed(self.model, [query])
        scored = [Ranked(t.name, round(_cosine(q, v), 4)) for t, v in zip(self.tools, self.vectors)]
        scored.sort(key=lambda r: (-r.score, r.name))
        return scored[:k] if k else scored


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def index_for(tools: Iterable[Tool], method: str = "bm25", **options: Any):
    if method in ("", "bm25"):
        return ToolIndex(tools)
    if method.startswith("embedding:") and method.split(":", 1)[1]:
        return EmbeddingIndex(tools, method.split(":", 1)[1], **options)
    raise ValueError(f"unknown tool retrieval method {method!r}: use 'bm25' or 'embedding:<litellm model>'")
