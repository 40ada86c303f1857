"""Logins: who may use a server started with `--auth` or `--auth-file`, and who a request is.

With logins on, every route but the share links (whose token is the credential) and `/api/health` needs one:
the browser logs in on Gradio's page (its cookie then also opens the JSON API), scripts send HTTP Basic. Each
login name is an owner of its own (`user:<name>`); an `X-Owner-Token` header alone is refused.

Accounts come from `--auth name:password` (repeatable, or PLAYGROUND_AUTH) and `--auth-file FILE`
(PLAYGROUND_AUTH_FILE): one `name:hash` a line, the hash made by `playground hash-password`
(`pbkdf2_sha256$iterations$salt$digest`, the format Django uses), `#` comments allowed. Plain passwords in a file
are refused, so a class list can be kept where others may read it without giving the passwords away.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ITERATIONS = 240_000
SCHEME = "pbkdf2_sha256"
USER_PREFIX = "user:"  # owners of logged-in people; never a valid anonymous token


class AuthConfigError(ValueError):
    """An account line or file cannot be read; the message names it."""


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_hex(12)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"{SCHEME}${iterations}${salt}${base64.b64encode(digest).decode()}"


def _check_hash(password: str, stored: str) -> bool:
    scheme, iterations, salt, digest = stored.split("$")
    made = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(made).decode(), digest)


def _is_hash(value: str) -> bool:
    parts = value.split("$")
    return len(parts) == 4 and parts[0] == SCHEME and parts[1].isdigit()


@dataclass
class Accounts:
    """Login names and how to check each one's password (a hash, or a password given on the command line)."""

    hashes: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    # Logins that checked out, by a keyed digest of name and password: HTTP Basic sends them on every request,
    # and a hash costs ~0.1 s of CPU by design.
    _good: set[bytes] = field(default_factory=set, repr=False)
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def load(cls, pairs: tuple[str, ...] | list[str] = (), file: str | None = None) -> "Accounts":
        accounts = cls()
        for pair in pairs:
            name, sep, password = pair.partition(":")
            if not sep or not name.strip() or not password:
                raise AuthConfigError(f"--auth {name or pair!r}: give name:password")
            accounts._add(name.strip(), password, "--auth")
        if file:
            path = Path(file)
            try:
                lines = path.read_text().splitlines()
            except OSError as exc:
                raise AuthConfigError(f"--auth-file {file}: {exc.strerror or exc}") from None
            for number, line in enumerate(lines, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                name, sep, stored = line.partition(":")
                if not sep or not name.strip() or not _is_hash(stored.strip()):
                    raise AuthConfigError(f"{file}, line {number}: expected name:{SCHEME}$... (make one with "
                                          "`playground hash-password`)")
                accounts._add(name.strip(), stored.strip(), f"{file}, line {number}", hashed=True)
        return accounts

    def _add(self, name: str, secret: str, where: str, hashed: bool = False) -> None:
        if name in self.hashes or name in self.plain:
            raise AuthConfigError(f"{where}: the login {name!r} is given twice")
        (self.hashes if hashed else self.plain)[name] = secret

    def __bool__(self) -> bool:
        return bool(self.hashes or self.plain)

    def names(self) -> list[str]:
        return sorted({*self.hashes, *self.plain})

    def remembered(self, name: str, password: str) -> bool:
        """True if this name and password checked out before (no hash computed, nothing counted)."""
        return hmac.new(self._key, f"{name}\0{password}".encode(), hashlib.sha256).digest() in self._good

    def verify(self, name: str, password: str) -> bool:
        """Constant-time for a known name; an unknown name costs a hash too, so timing does not tell names."""
        seen = hmac.new(self._key, f"{name}\0{password}".encode(), hashlib.sha256).digest()
        if seen in self._good:
            return True
        if self._check(name, password):
            if len(self._good) > 10_000:
                self._good.clear()
            self._good.add(seen)
            return True
        return False

    def _check(self, name: str, password: str) -> bool:
        if name in self.plain:
            return hmac.compare_digest(self.plain[name].encode(), password.encode())
        stored = self.hashes.get(name)
        if stored is None:
            _check_hash(password, f"{SCHEME}${ITERATIONS}$x$")
            return False
        return _check_hash(password, stored)


def owner_for(name: str) -> str:
    return USER_PREFIX + name


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(name, password) of an `Authorization: Basic ...` header, or None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    return (name, password) if sep else None
