"""Bundle signatures: each copy of the tool has its own Ed25519 signing key, made on first use.

The private key is a PEM file (0600) in the user data folder's `keys` folder (0700), with the
signer's name beside it. A bundle's manifest names the signer (name, key fingerprint, public
key) and carries the signature over everything else in the manifest, whose checksum covers
every member: any edit of a signed bundle, checksums recomputed or not, fails the signature.

A fingerprint is the first 32 hex digits of the SHA-256 of the raw public key, shown in groups
of four so that two people can read it to each other. The receiving database keeps the
fingerprints it trusts (`trusted_key`, migration step 6); its own copy's key is trusted too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

PUBLIC_FORMAT = "audit-tui-public-key"
_CONTEXT = b"audit-tui bundle manifest v1\n"


@dataclass(frozen=True)
class Signer:
    name: str
    fingerprint: str  # 32 hex digits
    public_key: str  # base64 of the 32 raw bytes

    @property
    def shown(self) -> str:
        return show(self.fingerprint)


def fingerprint_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def show(fingerprint: str) -> str:
    """'ab12 cd34 ...': a fingerprint to read aloud."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def parse_fingerprint(text: str) -> str | None:
    """A fingerprint as typed (spaces, colons or dashes between groups, any case); None if it
    is not 32 hex digits."""
    cleaned = "".join(c for c in text.lower() if c not in " :-")
    if len(cleaned) == 32 and all(c in "0123456789abcdef" for c in cleaned):
        return cleaned
    return None


def key_dir() -> Path:
    from ..locations import data_dir, ensure_private_dir

    ensure_private_dir(data_dir())
    return ensure_private_dir(data_dir() / "keys")


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    if os.name != "nt":
        os.chmod(path, 0o600)


def _default_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment
        return "unnamed"


def own_key(*, create: bool = True):
    """(private key, Signer) of this copy of the tool, the key made now if there is none yet;
    None when there is none and `create` is False."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = key_dir()
    path = folder / "bundle-signing.pem"
    if not path.exists():
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        try:
            _write_private(path, key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        except FileExistsError:  # made by another process meanwhile: use that one
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    name_file = folder / "signer-name.txt"
    name = name_file.read_text("utf-8").strip() if name_file.exists() else ""
    return key, Signer(name or _default_name(), fingerprint_of(raw),
                       base64.b64encode(raw).decode("ascii"))


def set_name(name: str) -> None:
    path = key_dir() / "signer-name.txt"
    path.unlink(missing_ok=True)
    _write_private(path, name.encode("utf-8"))


def _message(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return _CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False).encode("utf-8")


def sign(manifest: dict) -> dict:
    """The manifest with this copy's signer and signature added."""
    key, signer = own_key()
    signed = {**manifest, "signer": {"name": signer.name, "fingerprint": signer.fingerprint,
                                     "public_key": signer.public_key}}
    signed["signature"] = base64.b64encode(key.sign(_message(signed))).decode("ascii")
    return signed


class SignatureProblem(Exception):
    """Why a manifest's signature cannot be accepted (a sentence without the file's name)."""


def verify(manifest: dict) -> Signer:
    """The signer of a manifest whose signature is good; SignatureProblem otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signer, signature = manifest.get("signer"), manifest.get("signature")
    if signer is None and signature is None:
        raise SignatureProblem("it is not signed (made by an older version of audit-tui, or "
                               "its signature was removed)")
    try:
        raw = base64.b64decode(signer["public_key"], validate=True)
        found = Signer(str(signer["name"])[:100], fingerprint_of(raw), signer["public_key"])
        if found.fingerprint != signer["fingerprint"]:
            raise ValueError("fingerprint")
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(signature, validate=True), _message(manifest))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        raise SignatureProblem("its signature does not match its contents: it was changed "
                               "after it was signed") from None
    return found


def public_key_text(signer: Signer) -> str:
    """The file to hand to the QA team: name, fingerprint and public key (nothing secret)."""
    return json.dumps({"format": PUBLIC_FORMAT, "name": signer.name,
                       "fingerprint": signer.fingerprint, "public_key": signer.public_key},
                      indent=2) + "\n"


def read_public_key(path: Path) -> Signer:
    """A public key file (`public_key_text`); ValueError with a sentence if it is not one."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        raw = base64.b64decode(data["public_key"], validate=True)
        if data.get("format") != PUBLIC_FORMAT or len(raw) != 32:
            raise ValueError
        signer = Signer(str(data.get("name", ""))[:100], fingerprint_of(raw),
                        data["public_key"])
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError):
        raise ValueError(f"{Path(path).name} is not an audit-tui public key file") from None
    if data.get("fingerprint") != signer.fingerprint:
        raise ValueError(f"{Path(path).name} names a fingerprint that is not its key's")
    return signer
