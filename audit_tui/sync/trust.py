"""The bundle signers a database trusts (`trusted_key`, migration step 6), and the check an
import makes of a bundle's signer before it writes anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from . import records
from .bundle_file import BundleRefused
from .signing import Signer, SignatureProblem, own_key, show, verify


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    name: str
    trusted_by: str
    trusted_at: str


def is_trusted(conn, fingerprint: str) -> bool:
    mine = own_key(create=False)
    if mine is not None and mine[1].fingerprint == fingerprint:
        return True  # this copy's own key
    return conn.exec_driver_sql("SELECT 1 FROM trusted_key WHERE fingerprint = ?",
                                (fingerprint,)).first() is not None


def trust(conn, *, fingerprint: str, name: str, public_key: str | None, who: str) -> bool:
    """Trust a signer (again: the name and key are updated). Returns whether it is new."""
    new = conn.exec_driver_sql("SELECT 1 FROM trusted_key WHERE fingerprint = ?",
                               (fingerprint,)).first() is None
    now = records.when(datetime.now(UTC))
    if new:
        conn.exec_driver_sql(
            "INSERT INTO trusted_key (fingerprint, name, public_key, trusted_by, trusted_at) "
            "VALUES (?, ?, ?, ?, ?)", (fingerprint, name[:200], public_key, who[:200], now))
    else:
        conn.exec_driver_sql(
            "UPDATE trusted_key SET name = ?, public_key = coalesce(?, public_key) "
            "WHERE fingerprint = ?", (name[:200], public_key, fingerprint))
    return new


def trusted_keys(conn) -> list[TrustedKey]:
    return [TrustedKey(r[0], r[1], r[2], records.when(r[3])) for r in conn.exec_driver_sql(
        "SELECT fingerprint, name, trusted_by, trusted_at FROM trusted_key ORDER BY name, "
        "fingerprint")]


def check_signer(conn, bundle, *, trust_new: bool, who: str) -> tuple[Signer, bool]:
    """The bundle's signer, its signature good and the signer trusted here: (signer, whether
    it was trusted just now, by `trust_new`). BundleRefused otherwise."""
    name = bundle.path.name
    try:
        signer = verify(bundle.manifest)
    except SignatureProblem as exc:
        raise BundleRefused(f"{name} is refused: {exc}. Nothing was imported.") from None
    if is_trusted(conn, signer.fingerprint):
        return signer, False
    if not trust_new:
        raise BundleRefused(
            f"{name} is signed by {signer.name!r} with key {signer.shown}, a signer this "
            "database does not trust yet. Nothing was imported. Check that fingerprint with "
            "the auditor (in person or read aloud on the phone), then run 'audit-tui bundle "
            "trust FINGERPRINT --name NAME' or import again with --trust-new-signer.")
    trust(conn, fingerprint=signer.fingerprint, name=signer.name,
          public_key=signer.public_key, who=who)
    return signer, True


__all__ = ["TrustedKey", "check_signer", "is_trusted", "show", "trust", "trusted_keys"]
