"""Settings from the environment, read in one place.

Everything the playground reads from the environment goes through `Settings.from_env()`; nothing else
calls `os.environ` for configuration. Secrets (API keys) are never copied into settings: LiteLLM reads them
from the environment at call time, and `secret_values()` lists them so traces can be redacted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# No network unless a real model is chosen: LiteLLM fetches its price table at import and Gradio sends
# analytics unless told otherwise. Set before either is imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# LiteLLM in its default "DEV" mode reads a `.env` file from the working directory into the environment when it
# is imported: whatever sits there (a key, a base URL to send every prompt to) would become the server's.
os.environ.setdefault("LITELLM_MODE", "PRODUCTION")

DEMO_MODEL = "demo/offline"
DEFAULT_TOOLSET = "travel"  # the chat's tool set at start, and that of an agent reached through a protocol

# Variables no tool may ever use as a credential, even if the operator lists them: the model providers' keys
# (the ones LiteLLM reads) and the playground's own secrets.
NEVER_TOOL_CREDENTIALS = (
    "OPENAI_API_KEY", "AZURE_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY",
    "GOOGLE_API_KEY", "MISTRAL_API_KEY", "COHERE_API_KEY", "GROQ_API_KEY", "TOGETHERAI_API_KEY",
    "TOGETHER_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY", "XAI_API_KEY", "HUGGINGFACE_API_KEY",
    "HF_TOKEN", "REPLICATE_API_KEY", "FIREWORKS_API_KEY", "PERPLEXITYAI_API_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "VERTEXAI_CREDENTIALS",
    "PLAYGROUND_AUTH", "PLAYGROUND_DATABASE_URL", "DATABASE_URL", "PLAYGROUND_SECRET",
)

# Environment variables whose values are secrets, by name pattern.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.IGNORECASE)


def default_database_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("agent-playground", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'playground.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    model_timeout: float = 60.0
    model_retries: int = 2
    tool_timeout: float = 10.0
    max_agent_steps: int = 12
    auth: tuple[str, ...] = ()  # "name:password" logins (--auth, PLAYGROUND_AUTH): with any, every route needs one
    auth_file: str | None = None  # a file of name:hash lines (--auth-file, PLAYGROUND_AUTH_FILE)
    graphs: tuple[str, ...] = ()  # bring-your-own graphs, "package.module:factory"
    configs: tuple[str, ...] = ()  # LangGraph projects opened unchanged: paths of their langgraph.json
    tool_modules: tuple[str, ...] = ()  # LangChain tools, "package.module:attribute"
    # Whether the UI and the JSON API may start MCP servers by command (the CLI always may). None: only when
    # serving on a loopback address, where the person at the browser is the person at the machine.
    mcp_commands: bool | None = None
    retrieval_threshold: int = 24  # offer only the top-k tools per turn when a session has more than this
    retrieval_k: int = 8
    worker_threads: int = 200  # concurrent requests a server process handles (each running turn holds one)
    # Run custom tool code in a plain child process where bubblewrap cannot: NOT a security boundary.
    unsafe_sandbox: bool = False
    # Environment variables imported tools may use as credentials (OpenAPI auth, MCP headers and env).
    tool_secrets: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, database_url: str | None = None) -> "Settings":
        env = os.environ
        url = (
            database_url
            or env.get("PLAYGROUND_DATABASE_URL")
            or env.get("DATABASE_URL")
            or default_database_url()
        )
        return cls(
            database_url=url,
            model_timeout=float(env.get("PLAYGROUND_MODEL_TIMEOUT", 60)),
            model_retries=int(env.get("PLAYGROUND_MODEL_RETRIES", 2)),
            tool_timeout=float(env.get("PLAYGROUND_TOOL_TIMEOUT", 10)),
            max_agent_steps=int(env.get("PLAYGROUND_MAX_STEPS", 12)),
            auth=(env["PLAYGROUND_AUTH"],) if env.get("PLAYGROUND_AUTH") else (),
            auth_file=env.get("PLAYGROUND_AUTH_FILE") or None,
            graphs=_names(env.get("PLAYGROUND_GRAPHS", "")),
            configs=tuple(p for p in env.get("PLAYGROUND_CONFIGS", "").split(os.pathsep) if p.strip()),
            tool_modules=_names(env.get("PLAYGROUND_TOOL_MODULES", "")),
            mcp_commands={"1": True, "true": True, "0": False, "false": False}.get(
                env.get("PLAYGROUND_MCP_COMMANDS", "").lower()),
            retrieval_threshold=int(env.get("PLAYGROUND_RETRIEVAL_THRESHOLD", 24)),
            retrieval_k=int(env.get("PLAYGROUND_RETRIEVAL_K", 8)),
            worker_threads=int(env.get("PLAYGROUND_WORKER_THREADS", 200)),
            tool_secrets=_names(env.get("PLAYGROUND_TOOL_SECRETS", "")),
            unsafe_sandbox=env.get("PLAYGROUND_UNSAFE_SANDBOX", "").lower() in ("1", "true", "yes"),
        )

    def accounts(self):
        """The logins (app.auth.Accounts; empty when logins are off). AuthConfigError names a bad line."""
        from app.auth import Accounts

        return Accounts.load(self.auth, self.auth_file)

    def with_graphs(self, graphs: list[str] | None, tool_modules: list[str] | None = None,
                    configs: list[str] | None = None) -> "Settings":
        """These settings plus the bring-your-own graphs, LangChain tool modules and LangGraph projects
        (langgraph.json files) given on the command line."""
        more_graphs = tuple(g for g in graphs or [] if g not in self.graphs)
        more_tools = tuple(m for m in tool_modules or [] if m not in self.tool_modules)
        more_configs = tuple(c for c in configs or [] if c not in self.configs)
        if not more_graphs and not more_tools and not more_configs:
            return self
        return Settings(**{**self.__dict__, "graphs": self.graphs + more_graphs,
                           "tool_modules": self.tool_modules + more_tools, "configs": self.configs + more_configs})


def _names(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


# The value an opened project's credential gets when its .env.example names it and the operator did not set it
# (app.agents.project): its clients can be made, and a call with it fails in its own step. Never a key.
PLACEHOLDER = "playground-placeholder-not-a-key"


def secret_values(min_length: int = 6) -> list[str]:
    """Values of environment variables that look like secrets, longest first (for redaction)."""
    return sorted(secret_names(min_length), key=len, reverse=True)


def secret_names(min_length: int = 6) -> dict[str, str]:
    """{value: variable name} of the secret-looking environment variables (for the share preview)."""
    from tools.model import secret_env_names

    named = secret_env_names()
    return {value: name for name, value in os.environ.items()
            if (_SECRET_NAME.search(name) or name in named) and value and len(value) >= min_length
            and value != PLACEHOLDER}
