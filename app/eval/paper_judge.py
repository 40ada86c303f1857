"""The two model calls behind "Tell Me More!"'s metrics, with the paper's own prompts (OpenBMB/Tell_Me_More at
654fcec4, Apache-2.0: src/split_query_options.py and src/stats.py), for `playground eval --rescore ... --judge
MODEL`:

- `split`: an assistant's inquiry disentangled into its separate questions, each with the options it offers
  (the paper's few-shot prompt; the reply's "Response:" lines read as `question -- option, option`). What the
  paper stores as `query_options_list` in its `*_split.jsonl` records.
- `match`: which of the task's labelled missing details a question asks about, or none (the paper's prompt;
  its answer counts only when it is, lower-cased, one of the details, as stats.py has it).

The paper sampled gpt-4-1106 at temperature 0.7, so its figures are one draw: anyone's re-run (its authors'
too) differs a little. We ask at temperature 0, so that a rescore is repeatable; the model is any LiteLLM model.
"""

from __future__ import annotations

from app.llm import gateway

SPLIT_SYSTEM = """You are a helpful assistant in understanding and analyzing user's queries. You are tasked with two missions:
1. What queries does the user make, disentangle them and list them line by line. You should identify the specific querying aspects (instead of general ones) and disentangle them.
2. For each query, what options does the user provide, list them after the query and "--" one by one, separated by a comma. If no options are parsed, leave the space after "--" empty.
Each time, the user will present a query. Please respond following the format given in the chat history. First, provide your thought, then present the response in a structured format."""  # noqa: E501

SPLIT_EXAMPLES = [
    {"role": "user", "content": "Can you tell me a bit more about the novel ABC? What is the main plot or theme of "
                                "the novel?"},
    {"role": "assistant", "content": "Thought:\nThe user is asking for two specific aspects of the novel ABC but does "
                                     "not provide the option for any query.\nResponse:\nWhat's the main plot of the "
                                     "novel ABC? --\nWhat's the theme of the novel ABC? --"},
    {"role": "user", "content": "Awesome, there are usually some cool ones in China! How much are you looking to spend "
                                "on attending the festival? Would it be under $500, between $500 - $1500, or above "
                                "$1500?"},
    {"role": "assistant", "content": "Thought:\nThe user only asks one query with three options.\nResponse:\nHow much "
                                     "are you looking to spend on attending the festival? -- under $500, between $500 "
                                     "- $1500, above $1500"},
    {"role": "user", "content": "Can you please provide more details about the music festival you're looking for? For "
                                "example, what type of music do you prefer (e.g. rock, pop, electronic)? Is it a local "
                                "festival or one that's happening in a different city? Are there any specific dates or "
                                "venues you're interested in?"},
    {"role": "assistant", "content": "Thought:\nThe user asks for the type of music, where it is held, dates, and "
                                     "venues. There are in total 4 aspects that should be disentangled.\nResponse:\n"
                                     "What type of music do you prefer? -- rock, pop, electronic\nWhere do you prefer "
                                     "the music festival to be located? -- locally, in a different city\nWhat's the "
                                     "date of the music festival? --\nWhat's the venue of the music festival? --"},
]

MATCH_SYSTEM = """You are a helpful assistant and good at judging similarities between phrases. Given a QUESTION and a list of phrases, you should determine if the provided QUESTION semantically matches any of the entries in the list. Directly answer with the phrase in the list if there is any semantic match, and 'None of the above' otherwise. Do not include any explanations and additional information. Remember to strictly follow the format given in the following examples:

1. Example with a semantic match:

### QUESTION:
What is the time frame for the price predictions?

### List of phrases:
- Historical data timeframe and granularity
- Criteria for efficiency
- Specific stocks or market sectors
- Computational resources available
- Type of historical data

### Answer:
Historical data timeframe and granularity

2. Example without a semantic match:

### QUESTION:
What is the time frame for the price predictions?

### List of phrases:
- Metrics or sources to determine popularity
- User's personal style preferences
- Geographic region
- Specific fashion categories

### Answer:
None of the above"""  # noqa: E501

MATCH_USER = """Here is a QUESTION and a list of phrases:

### QUESTION:
{question}

### List of phrases:
{list_str}"""


def _ask(model: str, messages: list[dict]) -> str:
    return (gateway.complete(model, messages, timeout=120, retries=3, temperature=0).content or "").strip()


def split(model: str, inquiry: str) -> list[dict]:
    """[{"query", "options"}] of one inquiry, read from the reply as the paper's script reads it (a line without
    "--" is a question without options, where the script would have kept the line before's)."""
    reply = _ask(model, [{"role": "system", "content": SPLIT_SYSTEM}, *SPLIT_EXAMPLES,
                         {"role": "user", "content": inquiry}])
    found = []
    for line in reply.split("Response:")[-1].strip().split("\n"):
        if not line.strip():
            continue
        query, _, options = line.partition("--")
        found.append({"query": query.strip(),
                      "options": [o.strip() for o in options.split(",")] if options.strip() else []})
    return found


def match(model: str, question: str, descriptions: list[str]) -> str | None:
    """The lower-cased description the model names for `question`, or None ("None of the above", or a reply
    that is not one of them: the paper's script counts neither)."""
    listed = "\n".join(f"- {d}" for d in descriptions)
    reply = _ask(model, [{"role": "system", "content": MATCH_SYSTEM},
                         {"role": "user", "content": MATCH_USER.format(question=question, list_str=listed)}])
    lowered = reply.lower()
    return lowered if reply != "None of the above" and lowered in {d.lower() for d in descriptions} else None
