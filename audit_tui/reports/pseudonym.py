"""Stable keyed hashes for case references and people's names (--pseudonymise).

HMAC-SHA256 with a random key kept in the data folder (`pseudonym.key`, readable by its owner
only, made on first use): the same name always gives the same hash on this machine, so
exports can be joined with each other, but nobody without the key can test a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "pseudonym.key"


def key_path() -> Path:
    from ..locations import data_dir

    return data_dir() / KEY_FILE


def load_key(path: Path | None = None) -> bytes:
    """The key, made (32 random bytes, 0600) the first time it is needed."""
    from ..locations import ensure_private_dir

    path = path or key_path()
    if not path.exists():
        ensure_private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by another run a moment ago
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


class Pseudonymiser:
    def __init__(self, key: bytes, *, length: int = 12) -> None:
        self.key, self.length = key, length
        self._seen: dict[tuple[str, str], str] = {}

    def __call__(self, value: str | None, kind: str = "P") -> str:
        """'CH-123' -> 'C-1f3a9b0c2d4e' (kind is the prefix); empty stays empty."""
        if not value:
            return value or ""
        found = self._seen.get((kind, value))
        if found is None:
            digest = hmac.new(self.key, value.strip().casefold().encode("utf-8"),
                              hashlib.sha256).hexdigest()
            found = self._seen[(kind, value)] = f"{kind}-{digest[:self.length]}"
        return found
