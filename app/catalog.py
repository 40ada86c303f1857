"""The tool catalog: every tool a session can be given, and where each came from.

Built-in tools, tools from `--tool-module` specs, and what people add at run time: Python tool files (run in
the sandbox), OpenAPI specs and MCP servers. What is added is stored in the database, so every process on it
(behind a load balancer, after a restart) loads the same tools; an owner's additions resolve only for that
owner's sessions (`tools.registry.ToolRegistry`). A refused file, spec or server is never stored.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Callable, Iterator

from app.config import NEVER_TOOL_CREDENTIALS, Settings
from app.tracing.redact import redact_text
from app.errors import TurnError
from storage import repo
from storage.engine import Database
from tools.model import ToolImportError, allow_credentials
from tools.registry import ToolRegistry, UnknownToolError, default_registry

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _redacted_refusal() -> Iterator[None]:
    """A refused tool file, spec or server says why, and may quote what the tool read or the server answered:
    never a secret of ours in it."""
    try:
        yield
    except ToolImportError as exc:
        raise type(exc)(redact_text(str(exc))) from None



class ToolCatalog:
    def __init__(self, db: Database, settings: Settings, tools: ToolRegistry | None = None, *, stored: bool = True):
        """`stored=False`: a catalog of its own tools only (a benchmark item's mocked APIs), loading none."""
        from tools import jail

        self.db = db
        self.settings = settings
        self.tools = tools or default_registry().copy()
        jail.configure(unsafe=settings.unsafe_sandbox)
        allow_credentials(settings.tool_secrets, forbidden=NEVER_TOOL_CREDENTIALS)
        self._stored = threading.Lock()  # loading stored tools
        self._tools_loaded: set[str] = set()  # ids of the tool files and sources loaded
        self.version = -1  # the database's tools version this catalog has loaded
        self._stored_tools = stored
        # (owner, a stored tool's name): when the file or source it came from was added (a removal after that
        # removes it; a file added again after a removal brings it back)
        self._file_tools: dict[tuple[str | None, str], float] = {}
        self._listeners: list[Callable[[], None]] = []
        if stored:
            self._load_stored_tools()
            if settings.tool_modules:
                from tools.langchain import load_module

                for spec in settings.tool_modules:
                    self.tools.add_source(load_module(spec))

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever tools are added (cached graphs and indexes may hold older ones)."""
        self._listeners.append(listener)

    def _tools_changed(self) -> None:
        for listener in self._listeners:
            listener()

    def load_version(self, version: int) -> None:
        """Load what was added up to `version` (read with a turn's session, no query of its own)."""
        if version != self.version:
            self._load_stored_tools(version)

    # -- tools stored in the database: custom tool files and imported sources, for every process on it -------

    def sync_tools(self) -> bool:
        """Load the tool files and sources added since this process last looked (by another process on the same
        database, behind a load balancer): one query when there are none. True if any were loaded."""
        return self._load_stored_tools(repo.tools_version(self.db))

    def _load_stored_tools(self, version: int | None = None) -> bool:
        from tools.sandbox import Limits, tools_from_source

        if version == self.version or not self._stored_tools:
            return False
        with self._stored:
            stored = repo.stored_tools(self.db, skip=self._tools_loaded)
            for row in stored.files:  # oldest first: a file added again later wins, whichever process added it
                for tool in tools_from_source(row.source, row.filename, Limits(**row.limits), row.schemas):
                    if self._file_tools.get((row.owner, tool.name), row.created_at) <= row.created_at:
                        try:
                            self.tools.register(tool, replace=True, owner=row.owner)
                        except ValueError as exc:  # the operator gave everyone a tool of that name since
                            log.warning("custom tool not loaded: %s", exc)
                            continue
                        self._file_tools[(row.owner, tool.name)] = row.created_at
                self._tools_loaded.add(row.id)
            for row in stored.sources:
                try:
                    found = self._source_tools(row.kind, row.spec, row.options, row.schemas)
                    self.tools.add_source(found, owner=row.owner)
                    self._file_tools.update({(row.owner, t.name): row.created_at for t in found})
                except ToolImportError as exc:  # one broken source must not stop the server
                    log.warning("tool source %s (%s) not loaded: %s", row.name, row.kind, exc)
                self._tools_loaded.add(row.id)
            for row in stored.removals:
                if self._file_tools.get((row.owner, row.name), row.removed_at) <= row.removed_at:
                    self.tools.unregister(row.name, row.owner)
                    self._file_tools.pop((row.owner, row.name), None)
                self._tools_loaded.add(row.id)
            self.version = stored.version
        if stored.files or stored.sources or stored.removals:
            self._tools_changed()
            return True
        return False

    def add_custom_tools(self, source: str, filename: str, owner: str | None = None, **limits: Any) -> list[str]:
        """Add a file of Python tools (see tools.sandbox); returns the tool names. ToolFileError if it cannot."""
        from dataclasses import asdict

        from tools.sandbox import Limits, add_file

        chosen = Limits(**{k: v for k, v in limits.items() if v is not None})
        with self._stored:
            with _redacted_refusal():
                added = add_file(self.tools, source, filename, chosen, owner=owner)
            row = repo.add_custom_tools(self.db, filename=filename, source=source, owner=owner,
                                        limits=asdict(chosen), schemas=[t.function for t in added])
            self._tools_loaded.add(row.id)
            self._file_tools.update({(owner, t.name): row.created_at for t in added})
        self._tools_changed()
        return [t.name for t in added]

    def removable(self, owner: str | None = None) -> list[str]:
        """The tools `owner` added and may remove (files' functions and imports; never built-ins)."""
        self.sync_tools()
        mine = self.tools.owned.get(owner, {}) if owner is not None else self.tools.tools
        return sorted(name for name in mine if (owner, name) in self._file_tools)

    def remove_tool(self, name: str, owner: str | None = None) -> None:
        """Remove a tool `owner` added (a Python tool file's function, an imported operation), for every process
        on the database; `owner=None` (the operator's CLI) removes one added without a login. Built-in and
        `--tool-module` tools are the operator's code and are not removed here. UnknownToolError if `owner` has
        no such tool; ValueError if it cannot be removed."""
        self.sync_tools()
        with self._stored:
            mine = self.tools.owned.get(owner, {}) if owner is not None else self.tools.tools
            tool = mine.get(name)
            if tool is None:
                if owner is not None and name in self.tools.tools:
                    raise ValueError(f"{name!r} is a tool everyone has (built in or the operator's); only tools you "
                                     "added can be removed")
                raise UnknownToolError(name, mine)
            if (owner, name) not in self._file_tools:
                raise ValueError(f"{name!r} comes from {tool.source}, not from an added file or import: it is part "
                                 "of the server (remove it from --tool-module or the code)")
            row = repo.remove_tool(self.db, name, owner)
            self.tools.unregister(name, owner)
            self._tools_loaded.add(row.id)
            del self._file_tools[(owner, name)]
        self._tools_changed()

    # -- imported tool sources: OpenAPI specs and MCP servers ---------------------------------------------

    @staticmethod
    def _source_tools(kind: str, spec: dict[str, Any], options: dict[str, Any], schemas: list[dict]) -> list:
        if kind == "openapi":
            from tools.openapi import ImportOptions, tools_from_spec

            return tools_from_spec(spec["spec"], ImportOptions(**options), spec.get("origin"))
        from tools.mcp_client import MCPImport, ServerConfig, tools_from_schemas

        return tools_from_schemas(MCPImport(config=ServerConfig.from_dict(spec), schemas=schemas, **options))

    def import_openapi(self, source: str, *, base_url: str | None = None, auth: dict[str, str] | None = None,
                       timeout: float | None = None, prefix: str = "", owner: str | None = None,
                       files: bool = True) -> list[str]:
        """Each operation of an OpenAPI 3 spec (a URL, its text, or with `files` a file path) becomes a tool;
        returns their names. ToolImportError (naming the place in the spec) if it cannot."""
        from dataclasses import asdict

        from tools.openapi import DEFAULT_TIMEOUT, ImportOptions, read_spec, tools_from_spec

        with _redacted_refusal():
            spec, origin = read_spec(source, files=files)
            options = ImportOptions(base_url=base_url or None, auth=dict(auth or {}),
                                    timeout=timeout or DEFAULT_TIMEOUT, prefix=prefix or "")
            found = tools_from_spec(spec, options, origin)
        title = str((spec.get("info") or {}).get("title") or origin or "api")
        return self._add_source(found, kind="openapi", name=title, spec={"spec": spec, "origin": origin},
                                options=asdict(options), owner=owner)

    def import_mcp(self, target: str, *, env: list[str] | None = None, headers: dict[str, str] | None = None,
                   timeout: float | None = None, prefix: str = "", owner: str | None = None,
                   commands: bool = True) -> list[str]:
        """The tools of an MCP server (a stdio command line or a streamable HTTP URL); returns their names.
        `commands=False` refuses command lines (the browser and the API of a server open beyond localhost)."""
        from tools.mcp_client import DEFAULT_TIMEOUT, MCPImport, MCPError, ServerConfig, list_tools, tools_from_schemas

        config = ServerConfig.parse(target, env=env, headers=headers)
        if config.command and not commands:
            raise MCPError("this server does not start MCP servers by command (it listens beyond this machine); "
                           "connect one by its http(s) URL, or set PLAYGROUND_MCP_COMMANDS=1 where that is safe")
        spec = MCPImport(config=config, prefix=prefix or "", timeout=timeout or DEFAULT_TIMEOUT)
        with _redacted_refusal():
            spec.schemas = list_tools(config, spec.timeout)
        found = tools_from_schemas(spec)
        return self._add_source(found, kind="mcp", name=config.label, spec=config.to_dict(),
                                options={"prefix": spec.prefix, "timeout": spec.timeout}, schemas=spec.schemas,
                                owner=owner)

    def _add_source(self, found: list, **row: Any) -> list[str]:
        with self._stored:
            self.tools.add_source(found, owner=row.get("owner"))  # ToolImportError (a name in use), storing nothing
            stored = repo.add_tool_source(self.db, **row)
            self._tools_loaded.add(stored.id)
            self._file_tools.update({(row.get("owner"), t.name): stored.created_at for t in found})
        self._tools_changed()
        return [t.name for t in found]

    # -- choosing tools ---------------------------------------------------------------------------------

    def resolve_tools(self, tools: list[str] | None = None, toolset: str | None = None, owner: str | None = None) -> list[str]:
        names: list[str] = []
        if toolset:
            row = repo.get_toolset(self.db, toolset, owner)
            if row is not None:
                names = list(row.tools)
            elif toolset in self.tools.toolsets:
                names = list(self.tools.toolsets[toolset])
            else:
                known = sorted({*self.tools.toolsets, *(t.name for t in repo.list_toolsets(self.db, owner))})
                raise TurnError(f"unknown tool set {toolset!r}; known tool sets: {', '.join(known)}")
        for name in tools or []:
            if name not in names:
                names.append(name)
        try:
            self.tools.resolve(names, owner)
        except UnknownToolError:  # added by another process since this one last looked, or unknown (named)
            if not self.sync_tools():
                raise
            self.tools.resolve(names, owner)
        return names

    def listing(self, owner: str | None = None) -> dict[str, Any]:
        """Everyone's tools and the owner's own, with everyone's tool sets and the owner's saved ones: what
        `playground tools list --json` and `GET /api/tools` print."""
        self.sync_tools()  # with those another process added
        saved = {t.name: list(t.tools) for t in repo.list_toolsets(self.db, owner)}
        return {"tools": [{**t.function, "side_effects": t.side_effects, "source": t.source}
                          for t in self.tools.visible(owner).values()],
                "toolsets": {**self.tools.toolsets, **saved}}

    def try_tool(self, name: str, arguments: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
        """Run one of the owner's tools outside any session (the Tools tab's form)."""
        from tools.execute import run_tool

        result = run_tool(self.tools.get(name, owner), arguments, tool_state={}, timeout=self.settings.tool_timeout)
        return {"ok": result.ok, "result": result.value if result.ok else None,
                "error": None if result.error is None else redact_text(result.error),
                "duration_ms": round((result.ended_at - result.started_at) * 1000, 3)}
