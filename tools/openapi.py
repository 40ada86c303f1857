"""OpenAPI 3 import: each operation of a spec becomes a tool that calls the API over HTTP.

A tool's parameters are the operation's path, query and header parameters, plus its JSON request body: the
body's properties sit beside the parameters when they are an object with no name in common, else the body is
one `body` argument. The call is made with httpx with a timeout; a non-2xx answer is an error result naming
the status.

Auth comes from environment variables named at import (`{scheme: ENV_VAR}`): only the variable's name is
stored, its value is read at call time, registered with `tools.model.register_secret_env` (so traces, exports
and shares redact it) and sent as the spec's security scheme says (bearer, basic, an API key in a header, a
query parameter or a cookie).

A spec that cannot be used raises `OpenAPIError` naming where in it the problem is, e.g.
`paths./pets/{id}.get.parameters[0]: 'in' must be one of path, query, header, cookie`.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from tools import egress
from tools.model import Tool, ToolDefinitionError, ToolImportError, check_credential, register_secret_env

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
DEFAULT_TIMEOUT = 10.0
class OpenAPIError(ToolImportError):
    """The spec cannot be imported; the message starts with the path in the spec where the problem is."""


@dataclass
class ImportOptions:
    base_url: str | None = None
    auth: dict[str, str] = field(default_factory=dict)  # security scheme name (or "*": the only one) -> env var
    timeout: float = DEFAULT_TIMEOUT
    prefix: str = ""


# -- reading a spec -----------------------------------------------------------------------------------------


def read_spec(source: str, *, files: bool = True, fetch_timeout: float = DEFAULT_TIMEOUT) -> tuple[dict[str, Any], str | None]:
    """(spec, where it came from) from a URL, the text of a spec (JSON or YAML), or with `files` a file path
    (not from the browser or the API: they must not read the server's files)."""
    origin: str | None = None
    text = source
    if re.match(r"^https?://", source.strip()):
        origin = source.strip()
        try:
            with egress.client(timeout=fetch_timeout, follow_redirects=True) as fetcher:  # each hop checked
                response = fetcher.get(origin)
            response.raise_for_status()
        except (httpx.HTTPError, egress.EgressRefused) as exc:
            refused = egress.refused_in(exc)
            raise OpenAPIError(f"cannot fetch the spec from {origin}: {refused or exc}") from None
        text = response.text
    elif "\n" not in source and len(source) < 4096 and not source.lstrip().startswith("{"):
        if not files:
            raise OpenAPIError("give the spec's http(s) URL or paste its text (a server file cannot be read from here)")
        path = Path(source).expanduser()
        if not path.is_file():
            raise OpenAPIError(f"no spec file at {source}")
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OpenAPIError(f"cannot read {source}: {exc}") from None
    try:
        return parse_spec(text), origin
    except OpenAPIError as exc:
        raise OpenAPIError(f"{origin}: {exc}" if origin else str(exc)) from None


def parse_spec(text: str) -> dict[str, Any]:
    import yaml

    try:
        spec = json.loads(text)
    except ValueError:
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise OpenAPIError(f"the spec is neither JSON nor YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(spec, dict):
        raise OpenAPIError(f"the spec must be an object, got {type(spec).__name__}")
    version = str(spec.get("openapi", ""))
    if not version.startswith("3."):
        found = f"swagger {spec['swagger']}" if "swagger" in spec else (f"openapi {version}" if version else "none")
        raise OpenAPIError(f"openapi: expected an OpenAPI 3 spec ('openapi: 3.x'), found {found}")
    if not isinstance(spec.get("paths"), dict) or not spec["paths"]:
        raise OpenAPIError("paths: the spec has no operations")
    return spec


class _Resolver:
    """Local `$ref`s (`#/components/...`), resolved with the path of each reference kept for errors."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec

    def lookup(self, ref: str, where: str) -> Any:
        if not ref.startswith("#/"):
            raise OpenAPIError(f"{where}.$ref: only references inside the spec are supported, got {ref!r}")
        node: Any = self.spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise OpenAPIError(f"{where}.$ref: {ref!r} does not exist in the spec")
            node = node[part]
        return node

    def deref(self, node: Any, where: str, seen: tuple[str, ...] = ()) -> Any:
        """`node` with every reference replaced; a cycle becomes an untyped schema, not endless recursion."""
        if isinstance(node, dict):
            if "$ref" in node:
                ref = node["$ref"]
                if ref in seen:
                    return {"description": f"(recursive: {ref.rsplit('/', 1)[-1]})"}
                return self.deref(self.lookup(ref, where), where, (*seen, ref))
            return {k: self.deref(v, f"{where}.{k}", seen) for k, v in node.items()}
        if isinstance(node, list):
            return [self.deref(v, f"{where}[{i}]", seen) for i, v in enumerate(node)]
        return node


# -- operations -> tools --------------------------------------------------------------------------------------


@dataclass
class Operation:
    name: str
    method: str
    path: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the tool's arguments
    locations: dict[str, tuple[str, str]]  # argument -> (in: path|query|header|cookie|body|body-field, wire name)
    security: list[dict[str, Any]]  # the schemes that apply ([] = none)


def _tool_name(prefix: str, operation: dict[str, Any], method: str, path: str) -> str:
    raw = operation.get("operationId") or f"{method}_{path}"
    name = re.sub(r"[^a-zA-Z0-9_-]+", "_", f"{prefix}{raw}").strip("_")
    if not re.match(r"^[a-zA-Z_]", name):
        name = f"op_{name}"
    return name[:64]


def operations(spec: dict[str, Any], prefix: str = "") -> list[Operation]:
    resolver = _Resolver(spec)
    schemes = resolver.deref((spec.get("components") or {}).get("securitySchemes") or {}, "components.securitySchemes")
    found: list[Operation] = []
    names: dict[str, str] = {}
    for path, item in spec["paths"].items():
        where_path = f"paths.{path}"
        if not isinstance(item, dict):
            raise OpenAPIError(f"{where_path}: must be an object of operations")
        if "$ref" in item:
            item = resolver.deref(item, where_path)
        shared = item.get("parameters") or []
        for method in METHODS:
            if method not in item:
                continue
            where = f"{where_path}.{method}"
            operation = item[method]
            if not isinstance(operation, dict):
                raise OpenAPIError(f"{where}: must be an object")
            op = _operation(resolver, operation, shared, method, path, where, prefix)
            if op.name in names:
                raise OpenAPIError(f"{where}.operationId: {op.name!r} is also the name of {names[op.name]}; "
                                   "operation ids must be unique")
            names[op.name] = where
            requirement = operation.get("security", spec.get("security")) or []
            op.security = [_scheme(schemes, n, f"{where}.security") for req in requirement for n in (req or {})]
            found.append(op)
    return found


def _scheme(schemes: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    if name not in schemes:
        raise OpenAPIError(f"{where}: security scheme {name!r} is not defined in components.securitySchemes")
    return {**schemes[name], "_id": name}  # an apiKey scheme has a `name` of its own (the header's)


def _operation(resolver: _Resolver, operation: dict[str, Any], shared: list, method: str, path: str, where: str,
               prefix: str) -> Operation:
    name = _tool_name(prefix, operation, method, path)
    description = " ".join(str(operation.get(k) or "").strip() for k in ("summary", "description")).strip()
    properties: dict[str, Any] = {}
    required: list[str] = []
    locations: dict[str, tuple[str, str]] = {}
    merged: dict[tuple[str, str], tuple[dict, str]] = {}
    for label, params in (("parameters", shared), (f"{method}.parameters", operation.get("parameters") or [])):
        if not isinstance(params, list):
            raise OpenAPIError(f"{where}.parameters: must be a list")
        for i, param in enumerate(params):
            at = f"{where.rsplit('.', 1)[0] if label == 'parameters' else where}.parameters[{i}]"
            param = resolver.deref(param, at)
            if not isinstance(param, dict) or not param.get("name"):
                raise OpenAPIError(f"{at}: a parameter needs a 'name'")
            if param.get("in") not in ("path", "query", "header", "cookie"):
                raise OpenAPIError(f"{at}: 'in' must be one of path, query, header, cookie, got {param.get('in')!r}")
            merged[(param["in"], param["name"])] = (param, at)  # an operation's parameter overrides the path's
    for (location, wire), (param, at) in merged.items():
        if location == "header" and wire.lower() in ("authorization", "content-type", "accept"):
            continue  # set by the importer (auth) or by the request itself
        arg = re.sub(r"[^a-zA-Z0-9_]", "_", wire)
        if arg in properties:
            arg = f"{location}_{arg}"
        schema = dict(param.get("schema") or {"type": "string"})
        if param.get("description"):
            schema["description"] = str(param["description"])
        properties[arg] = schema
        locations[arg] = (location, wire)
        if param.get("required") or location == "path":
            required.append(arg)
    for wire in re.findall(r"{([^}]+)}", path):
        if ("path", wire) not in merged:
            raise OpenAPIError(f"{where}.parameters: the path has {{{wire}}} but no path parameter named {wire!r}")
    body = operation.get("requestBody")
    if body is not None:
        body = resolver.deref(body, f"{where}.requestBody")
        content = body.get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is None:
            raise OpenAPIError(f"{where}.requestBody.content: only JSON bodies are supported, found "
                               f"{', '.join(content) or 'none'}")
        schema = content[media].get("schema") or {}
        fields = schema.get("properties") if schema.get("type", "object") == "object" else None
        if isinstance(fields, dict) and fields and not set(fields) & set(properties):
            for key, sub in fields.items():
                properties[key] = sub
                locations[key] = ("body-field", key)
            if body.get("required"):
                required.extend(k for k in schema.get("required") or [] if k in fields)
        else:
            properties["body"] = {**schema, "description": body.get("description") or schema.get("description")
                                  or "the JSON request body"}
            locations["body"] = ("body", "")
            if body.get("required"):
                required.append("body")
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = list(dict.fromkeys(required))
    return Operation(name=name, method=method, path=path, description=description or f"{method.upper()} {path}",
                     parameters=parameters, locations=locations, security=[])


def tools_from_spec(spec: dict[str, Any], options: ImportOptions, origin: str | None = None) -> list[Tool]:
    """The spec's operations as tools (nothing is called here)."""
    ops = operations(spec, options.prefix)
    base = options.base_url or _server_url(spec, origin)
    try:
        egress.check_url(base)  # the operations' server, at import (and again at every call)
    except egress.EgressRefused as exc:
        raise OpenAPIError(f"servers: {exc}") from None
    title = str((spec.get("info") or {}).get("title") or "api")
    schemes = {s["_id"] for op in ops for s in op.security}
    if "*" in options.auth:
        if len(schemes) != 1:
            raise OpenAPIError(f"components.securitySchemes: the spec uses {len(schemes)} security schemes "
                               f"({', '.join(sorted(schemes)) or 'none'}); name one with SCHEME=ENV_VAR")
        options.auth = {next(iter(schemes)): options.auth.pop("*"), **options.auth}
    unknown = set(options.auth) - schemes
    if unknown:
        raise OpenAPIError(f"components.securitySchemes: no scheme named {', '.join(sorted(unknown))} is used by the "
                           f"spec (it uses: {', '.join(sorted(schemes)) or 'none'})")
    for scheme, env_var in options.auth.items():
        check_credential(env_var, f"components.securitySchemes.{scheme}")
        register_secret_env(env_var)
    tools = []
    for op in ops:
        try:
            tools.append(Tool(name=op.name, description=op.description, parameters=op.parameters,
                              handler=_caller(op, base, options), side_effects=op.method not in ("get", "head"),
                              timeout=options.timeout + 1, source=f"openapi:{title}", tags=("openapi",)))
        except ToolDefinitionError as exc:
            raise OpenAPIError(f"paths.{op.path}.{op.method}: {exc}") from None
    return tools


def _server_url(spec: dict[str, Any], origin: str | None) -> str:
    servers = spec.get("servers") or []
    url = servers[0].get("url") if servers and isinstance(servers[0], dict) else None
    if not url:
        raise OpenAPIError("servers: the spec names no server; give a base URL")
    if not re.match(r"^https?://", url):
        if origin and re.match(r"^https?://", origin):
            return urljoin(origin, url)
        raise OpenAPIError(f"servers[0].url: {url!r} is relative; give a base URL")
    return url


def _caller(op: Operation, base: str, options: ImportOptions):
    def call(**arguments: Any) -> Any:
        url = base.rstrip("/") + op.path
        query: dict[str, Any] = {}
        headers: dict[str, str] = {"Accept": "application/json"}
        cookies: dict[str, str] = {}
        body: Any = None
        for arg, value in arguments.items():
            location, wire = op.locations.get(arg, ("query", arg))
            if location == "path":
                url = url.replace("{" + wire + "}", quote(str(value), safe=""))
            elif location == "query":
                query[wire] = json.dumps(value) if isinstance(value, dict) else value
            elif location == "header":
                headers[wire] = str(value)
            elif location == "cookie":
                cookies[wire] = str(value)
            elif location == "body":
                body = value
            else:
                body = {**(body or {}), wire: value}
        for scheme in op.security:
            _apply_auth(scheme, options.auth.get(scheme["_id"]), headers, query, cookies)
        try:
            with egress.client(timeout=options.timeout) as caller:
                response = caller.request(op.method.upper(), url, params=query, headers=headers,
                                          cookies=cookies or None, json=body)
        except httpx.TimeoutException:
            raise TimeoutError(f"{op.method.upper()} {op.path} did not answer within {options.timeout:g} s") from None
        except (httpx.HTTPError, egress.EgressRefused) as exc:
            raise ConnectionError(f"{op.method.upper()} {op.path}: {egress.refused_in(exc) or exc}") from None
        if response.status_code >= 400:
            raise RuntimeError(f"{op.method.upper()} {op.path} answered HTTP {response.status_code} "
                               f"{response.reason_phrase}: {response.text[:500]}")
        if not response.content:
            return {"status": response.status_code}
        try:
            return response.json()
        except ValueError:
            return response.text

    return call


def _apply_auth(scheme: dict[str, Any], env_var: str | None, headers: dict, query: dict, cookies: dict) -> None:
    if env_var is None:
        return  # no credential configured for this scheme: the API will say whether it needs one
    try:
        check_credential(env_var, f"credential for {scheme['_id']!r}")
    except ToolImportError as exc:
        raise PermissionError(str(exc)) from None
    value = os.environ.get(env_var)
    if not value:
        raise PermissionError(f"the environment variable {env_var} (credential for {scheme['_id']!r}) is not set")
    kind = scheme.get("type")
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(value.encode()).decode()
    elif kind in ("http", "oauth2", "openIdConnect"):
        headers["Authorization"] = f"Bearer {value}"
    elif kind == "apiKey":
        target = {"header": headers, "query": query, "cookie": cookies}.get(scheme.get("in", "header"), headers)
        target[scheme.get("name") or "X-API-Key"] = value
    else:
        raise PermissionError(f"security scheme {scheme['_id']!r} has unsupported type {kind!r}")
