"""An agent's inquiry split into the questions it asks and the options each offers, without a model.

The IN3 paper has GPT-4 do this (src/split_query_options.py) before it counts questions and options; `playground
eval --rescore` uses this instead when the records have no split and no `--judge` is given. It reads what people
write: sentences ending in "?" (and numbered list items), compound questions joined by "and" or a dash split in
two, "tell me about your A, B and C" as three questions, options after "such as" / "e.g." / "for example" or in
brackets, and alternative questions ("Are you looking for A, B, or C?"), which give the options of the question
before them when that one offered none. A generic request for "more details" is dropped when a specific
question follows, as GPT-4 did.

Measured against the paper's own GPT-4 split of its four agents' records (mean relative error of the four
figures it feeds: options presenting rate, options per question, questions per round, questions per task):
Mistral-Interact 0.04, Llama-2 0.20, GPT-4 0.25, Mistral-7B-Instruct 0.25 (held out: its inquiries were not
read while the rules were written). GPT-4 itself splits the same sentence differently from task to task; a
count near the paper's, not the paper's count.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms|St)\.")
_CUE = re.compile(r"\b(?:such as|e\.g\.?,?|for example,?|for instance,?|like|including|i\.e\.,?)\s+(.+)$", re.I)
_GENERIC = re.compile(r"\b(?:more|additional|further) (?:details|information|context)\b(?! about your)(?! on your)"
                      r"(?! regarding your)|\bpreferences regarding the task\b", re.I)
_OPTIONS_FIRST = re.compile(r"^(?:for example|for instance|e\.g|like|such as|or|maybe|perhaps)\b", re.I)
_JOIN = re.compile(r"(?:,\s*and|;|\s+and|—|--)\s+(?=(?:also\s+)?(?:are|is|do|does|what|how|which|whether|if|would|"
                   r"should|will|any|can|could|have|where|when|who)\b)", re.I)
_ALTERNATIVE = re.compile(r"^(?:also,?\s*|additionally,?\s*|lastly,?\s*|and\s+)?(?:are|do|would|is|should|will|have|"
                          r"did|does|were)\s+(?:you|we|they|it|there|i)\b", re.I)
_AUX = r"(?:are|do|would|is|should|will|have|did|does|were)"


def split(text: str) -> list[dict]:
    """[{"query": ..., "options": [...]}, ...] for one inquiry, in the shape of the paper's query_options_list."""
    out: list[dict] = []
    for sentence in _sentences(text):
        for clause in _clauses(sentence):
            _add(out, clause)
    if len(out) > 1:
        out = [q for q in out if q["options"] or not _GENERIC.search(q["query"])] or out[:1]
    return out or [{"query": text.strip(), "options": []}]


def _add(out: list[dict], clause: str) -> None:
    if not clause.endswith("?"):
        if out and _OPTIONS_FIRST.match(clause) and not out[-1]["options"]:
            out[-1]["options"] = _options(clause)  # "What size? For example small, medium or large."
        return
    topics = _topics(clause)
    if len(topics) > 1:
        out.extend({"query": t, "options": []} for t in topics)
        return
    options = _options(clause)
    asks_anew = re.match(r"^(?:for example|for instance),?\s*(?:what|which|how|where|when|who)\b", clause, re.I)
    gives_options = (_OPTIONS_FIRST.match(clause) and not asks_anew) or (_ALTERNATIVE.match(_alternative(clause)) and len(clause.split()) < 30)
    if out and options and not out[-1]["options"] and gives_options:
        out[-1]["options"] = options  # "Which type? Is it A, B, or C?"
        return
    out.append({"query": clause, "options": options})


def _sentences(text: str) -> list[str]:
    text = _ABBREVIATIONS.sub(lambda m: m[1] + "\x00", text)
    text = re.sub(r"(?m)^\s*\d{1,2}[.)]\s+", "", text)  # numbered items are sentences of their own
    parts = re.split(r"(?<=[?.!])\s+|\s*\n\s*", re.sub(r"[ \t]+", " ", text))
    return [p.strip().replace("\x00", ".") for p in parts if p and p.strip()]


def _clauses(sentence: str) -> list[str]:
    """A question joined to another by "and" or a dash is two questions."""
    if not sentence.endswith("?"):
        return [sentence]
    parts = [p.strip(" ,") for p in _JOIN.split(sentence)]
    return [p if p.endswith("?") else p + "?" for p in parts if p]


def _topics(question: str) -> list[str]:
    """ "Tell me about your fitness level, age and health conditions?" asks three things."""
    m = re.search(r"\b(?:tell|provide|share|give|know)\b.*?\b(?:about|regarding|on|of)\s+your\s+(.+?)\??$", question, re.I)
    if not m or "," not in m[1]:
        return []
    items = [i for i in _items(m[1]) if len(i.split()) <= 5]
    return [f"What about your {i}?" for i in items] if len(items) >= 2 else []


def _alternative(sentence: str) -> str:
    """The sentence from its alternative question on ("When it comes to X, are you ..." -> "are you ...")."""
    s = re.sub(r"^(?:for example|for instance|also|additionally|lastly|or|so|now|great|ok|okay),?\s*", "", sentence,
               flags=re.I)
    m = re.match(rf"^[^,?]{{0,60}},\s*(?={_AUX}\s)", s, re.I)
    return s[m.end():] if m else s


def _options(sentence: str) -> list[str]:
    s = re.sub(r"\?$", "", sentence.strip())
    alt = _alternative(s)
    if _ALTERNATIVE.match(alt) and re.search(r",[^,]*\bor\b", alt) and 2 <= len(items := _alternatives(alt)) <= 8:
        return items
    if m := re.search(r"\(([^)]*(?:,| or )[^)]*)\)", s):
        return _items(re.sub(r"^(?:e\.g\.?|such as|for example|like),?\s*", "", m[1].strip(), flags=re.I))
    if (m := _CUE.search(s)) and ("," in m[1] or " or " in m[1]):
        return _items(m[1])
    yes_no = re.match(r"^(?:(?:do|does|did) (?:you|we) (?:have|know)|(?:are|is) there (?:any|some))\b", alt, re.I)
    if _ALTERNATIVE.match(alt) and re.search(r"\bor\b", alt) and not yes_no and 2 <= len(items := _alternatives(alt)) <= 8:
        return items
    return []


def _alternatives(question: str) -> list[str]:
    """ "Are you looking for A, B, or are you after C" -> [A, B, C]."""
    tail = re.sub(rf"^{_AUX}\s+(?:you|we|they|it|there|i|this)\s+(?:\w+ly\s+)?(?:\w+ing\s+|\w+\s+)?"
                  r"(?:(?:about|at|for|in|with|on|to|into|from)\s+)?", "", question, flags=re.I)
    tail = re.sub(rf",?\s+or\s+{_AUX}\s+(?:you|we|it|i)\s+(?:\w+ing\s+|\w+\s+)?(?:(?:about|at|for|in|with|on|to)\s+)?",
                  " or ", tail, flags=re.I)
    return _items(tail) if (" or " in tail or "," in tail) else []


def _items(listed: str) -> list[str]:
    listed = re.sub(r"[?.!)\]]+$", "", listed.strip())
    listed = re.sub(r"\s*,?\s*\b(?:etc\.?|and so on)$", "", listed)
    parts = re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+|;\s*", listed)
    items = [re.sub(r"^(?:a|an|the|maybe|perhaps|even)\s+", "", p.strip(" '\"")) for p in parts]
    return [i for i in items if i and len(i.split()) <= 8]
