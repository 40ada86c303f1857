"""Where the server's own requests for imported tools may go: an OpenAPI spec fetched by URL, its operations'
server, an MCP server over HTTP, and every redirect they follow.

When the server is reachable by others (`playground serve` bound beyond loopback, or logins on: it sets
PLAYGROUND_EGRESS_GUARD=on), those requests reach public addresses only: loopback, link-local (the cloud's
metadata service), private, reserved and the server's own addresses are refused, unless the operator allows
them in PLAYGROUND_ALLOW_HOSTS (comma-separated CIDRs, names, or `.suffix` names). The check is made on the
address a name resolves to when the connection is opened, at import and at every call and redirect: a name
that resolves elsewhere later is refused then, and the connection goes to the very address that was checked
(no second lookup to race). A person on their own laptop, bound to loopback without logins, imports a local
MCP server as before.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

GUARD_ENV = "PLAYGROUND_EGRESS_GUARD"
ALLOW_ENV = "PLAYGROUND_ALLOW_HOSTS"


class EgressRefused(httpcore.ConnectError):
    """An outbound request to an address the operator has not allowed (a connection error to httpx, which
    raises it as httpx.ConnectError with this as its cause)."""


def guarded() -> bool:
    return os.environ.get(GUARD_ENV, "").lower() in ("1", "on", "true", "yes")


def _allowlist() -> tuple[list[Any], list[str]]:
    networks, names = [], []
    for item in (os.environ.get(ALLOW_ENV) or "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.append(item)
    return networks, names


def _own_addresses() -> set[Any]:
    own = set()
    for name in {socket.gethostname(), socket.getfqdn()}:
        try:
            own |= {ipaddress.ip_address(info[4][0].split("%")[0]) for info in socket.getaddrinfo(name, None)}
        except (OSError, ValueError):
            continue
    return own


def why_refused(host: str, address: str) -> str | None:
    """None if `host` at `address` may be reached; else why not."""
    networks, names = _allowlist()
    host = host.lower().rstrip(".")
    if host in names or any(n.startswith(".") and host.endswith(n) for n in names):
        return None
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in n for n in networks):
        return None
    for kind, test in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local), ("private", ip.is_private),
                       ("multicast", ip.is_multicast), ("reserved", ip.is_reserved or ip.is_unspecified)):
        if test:
            return f"{host} is {ip}, a {kind} address"
    if ip in _own_addresses():
        return f"{host} is {ip}, this server's own address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to that may be reached; EgressRefused naming the first refused one if
    none may (or the lookup fails)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EgressRefused(f"cannot resolve {host}: {exc}") from None
    ok, refused = [], []
    for info in infos:
        address = info[4][0]
        reason = why_refused(host, address)
        (refused if reason else ok).append(reason or address)
    if not ok:
        raise EgressRefused(f"refused: {refused[0]}; this server is reachable by others, so it reaches public "
                            f"addresses only (the operator may allow this one in {ALLOW_ENV})")
    return list(dict.fromkeys(ok))


# What a sandbox with network may not reach (IPv4: slirp4netns gives it no IPv6): the ranges why_refused refuses.
SANDBOX_REFUSED = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12",
                   "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
                   "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")


def sandbox_routes() -> tuple[list[str], list[str]]:
    """(ranges to make unreachable, ranges to route anyway) for a sandbox's network namespace: the refused
    ranges and this server's own addresses, and what the operator allowed (CIDRs, and the addresses its
    names resolve to now)."""
    networks, names = _allowlist()
    allowed = [str(n) for n in networks if n.version == 4]
    for name in names:
        if not name.startswith("."):
            try:
                allowed += [f"{info[4][0]}/32" for info in socket.getaddrinfo(name, None, socket.AF_INET)]
            except OSError:
                continue
    own = [f"{ip}/32" for ip in _own_addresses() if ip.version == 4 and not ip.is_loopback]
    refused = [r for r in dict.fromkeys([*SANDBOX_REFUSED, *own]) if r not in allowed]  # one route a range
    return refused, list(dict.fromkeys(allowed))


def check_url(url: str) -> None:
    """EgressRefused if `url`'s host may not be reached now (nothing if the guard is off)."""
    if not guarded():
        return
    parts = urlsplit(url)
    if parts.hostname is None:
        raise EgressRefused(f"no host in {url!r}")
    resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


class _Checked(httpcore.SyncBackend):
    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last: Exception | None = None
        for address in resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")


class _CheckedAsync(httpcore.AnyIOBackend):
    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        import anyio

        last: Exception | None = None
        for address in await anyio.to_thread.run_sync(resolve, host, port):
            try:
                return await super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")


def client(**options: Any) -> httpx.Client:
    """An httpx client whose every connection (redirects too) goes only where the guard allows."""
    if not guarded():
        return httpx.Client(**options)
    transport = httpx.HTTPTransport()
    transport._pool._network_backend = _Checked()  # httpcore opens every connection through it
    return httpx.Client(transport=transport, trust_env=False, **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    if not guarded():
        return httpx.AsyncClient(**options)
    transport = httpx.AsyncHTTPTransport()
    transport._pool._network_backend = _CheckedAsync()
    return httpx.AsyncClient(transport=transport, trust_env=False, **options)


def refused_in(exc: BaseException) -> EgressRefused | None:
    """The EgressRefused inside an httpx error (httpx wraps what the backend raised), if there is one."""
    seen = exc
    while seen is not None:
        if isinstance(seen, EgressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
