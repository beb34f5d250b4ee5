"""The bundle file: one zip holding the audits of a database, for another database to merge.

Members (UTF-8 JSON Lines, one JSON value a line):
- `audits.jsonl`: one record an audit, everything in it: the audit row, its answers, repeat
  rows, section results, actions and history (`records.py` says how, in canonical form so that
  the same audit always gives the same bytes);
- `facts.jsonl`: the report facts of the submitted audits, in the same order (derived data: the
  importing database uses them only if the same version of the tool made them);
- `templates.jsonl`: the full text of every template version those audits were taken on;
- `manifest.json` (written last): what the bundle is (format and its version, the tool's
  version, the schema version), when it was made, with which filters, the counts, and for
  every member its size and SHA-256; `checksum` is the SHA-256 of those member lines, so a
  bundle cut short or altered anywhere is found before anything is written; and `signer` and
  `signature`: the Ed25519 signature of this copy of the tool over the rest of the manifest
  (signing.py), so that a bundle edited and its checksums recomputed is found too.

The file is written beside its final name (0600), synced, then renamed into place, so a
crash never leaves half a bundle under the name asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from .signing import sign

FORMAT = "audit-tui-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = ("audits.jsonl", "facts.jsonl", "templates.jsonl")
# Members a bundle may hold beyond MEMBERS (checked, and covered by the checksum, when there):
# `programme.jsonl`, the audit programme's allocations (programme_records.py).
OPTIONAL_MEMBERS = ("programme.jsonl",)
COMPRESS_LEVEL = 1  # deflate's fastest: a tenth of the size, at a few hundred MB/s


class BundleRefused(Exception):
    """A bundle that cannot be imported; the message says why and what to do. Nothing was
    written."""


SIGNED = ("format", "format_version", "tool_version", "schema_version")


def payload_checksum(manifest: dict) -> str:
    """The SHA-256 covering the bundle: what made it (format, versions) and one line per
    member with its name, size and SHA-256."""
    members = manifest["members"]
    lines = "".join(f"{key} {manifest.get(key)}\n" for key in SIGNED)
    lines += "".join(f"{name} {int(members[name]['bytes'])} {members[name]['sha256']}\n"
                     for name in present_members(manifest))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def present_members(manifest: dict) -> tuple[str, ...]:
    """MEMBERS, and the optional members this bundle's manifest lists."""
    members = manifest["members"]
    return MEMBERS + tuple(name for name in OPTIONAL_MEMBERS if name in members)


class _HashingWriter:
    """A zip member being written, counted and hashed on the way."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.handle.write(data)


class BundleWriter:
    """Writes a bundle to a temporary file beside `path`; `commit` renames it into place."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(self.temp, 0o600)
        self.file = os.fdopen(fd, "wb")
        self.zip = zipfile.ZipFile(self.file, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=COMPRESS_LEVEL)
        self.members: dict[str, dict] = {}

    def write_member(self, name: str, lines: Iterator[bytes]) -> int:
        """Write one member from its lines (each without the newline); returns how many.
        Deflating and hashing happen on a second thread (zlib and hashlib let go of the GIL)
        while this one makes the next lines."""
        import queue
        import threading

        count = 0
        chunks: queue.Queue = queue.Queue(maxsize=8)
        failed: list[BaseException] = []
        with self.zip.open(name, "w", force_zip64=True) as handle:
            out = _HashingWriter(handle)

            def drain() -> None:
                while (chunk := chunks.get()) is not None:
                    if not failed:
                        try:
                            out.write(chunk)
                        except BaseException as exc:  # raised again by the caller
                            failed.append(exc)
            writer = threading.Thread(target=drain, name="bundle-writer", daemon=True)
            writer.start()
            try:
                buffer: list[bytes] = []
                for line in lines:
                    buffer.append(line)
                    count += 1
                    if len(buffer) >= 256:
                        chunks.put(b"\n".join(buffer) + b"\n")
                        buffer = []
                        if failed:
                            break
                if buffer and not failed:
                    chunks.put(b"\n".join(buffer) + b"\n")
            finally:
                chunks.put(None)
                writer.join()
            if failed:
                raise failed[0]
        self.members[name] = {"bytes": out.size, "sha256": out.sha.hexdigest()}
        return count

    def finish(self, manifest: dict) -> dict:
        """Write the manifest (with the members and the checksum) and close the zip."""
        manifest = {**manifest, "members": self.members}
        manifest["checksum"] = payload_checksum(manifest)
        manifest = sign(manifest)
        self.zip.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        self.zip.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return manifest

    def commit(self) -> None:
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        try:
            self.zip.close()
        except Exception:  # already broken: the file is removed anyway
            pass
        try:
            self.file.close()
        except Exception:
            pass
        try:
            self.temp.unlink()
        except FileNotFoundError:
            pass


def _line_id(line: bytes) -> str:
    """The audit id at the start of a canonical record line (parsed only if not canonical)."""
    if line.startswith(_PREFIX) and line[_ID_END:_ID_END + 2] == b'",':
        return line[len(_PREFIX):_ID_END].decode("ascii")
    value = json.loads(line)
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise ValueError("a record without an id")
    return value["id"]


_PREFIX = b'{"id":"'
_ID_END = len(_PREFIX) + 36


def _split(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines (without newlines, none empty) from chunks of bytes."""
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for part in parts:
            if part:
                yield part
    if rest:
        yield rest


def _chunks(handle, sink=None) -> Iterator[bytes]:
    while chunk := handle.read(1 << 20):
        if sink is not None:
            sink(chunk)
        yield chunk


def _damaged(name: str) -> str:
    return (f"{name} is damaged or was cut short (it may not have finished copying). Nothing "
            "was imported. Export the bundle again from the laptop it came from.")


def _altered(name: str, member: str) -> str:
    return (f"{name} has been altered: the checksum of {member} does not match the manifest. "
            "Nothing was imported.")


def _unreadable(name: str) -> str:
    return f"{name} is not a valid bundle: a record in it cannot be read. Nothing was imported."


class _Digest:
    """The SHA-256 and the size of a member, taken chunk by chunk as it is read."""

    def __init__(self) -> None:
        self.sha, self.size = hashlib.sha256(), 0

    def __call__(self, chunk: bytes) -> None:
        self.sha.update(chunk)
        self.size += len(chunk)

    def matches(self, expected: dict) -> bool:
        """Whether the member read is what the manifest says of it."""
        return (self.sha.hexdigest() == expected.get("sha256")
                and self.size == expected.get("bytes"))


@dataclass
class Bundle:
    """A bundle opened for reading, its manifest read and its members checked. `index` is
    (audit id, SHA-256 of its record line) for every record, in order; None when the records
    were left to be checked as they are read (`open_bundle(..., check_records=False)`)."""

    path: Path
    manifest: dict
    zip: zipfile.ZipFile
    index: list[tuple[str, str]] | None

    @property
    def checksum(self) -> str:
        return self.manifest["checksum"]

    @property
    def tool_version(self) -> str:
        return str(self.manifest.get("tool_version", ""))

    @property
    def audit_count(self) -> int:
        if self.index is None:
            counts = self.manifest.get("counts")
            found = counts.get("audits") if isinstance(counts, dict) else None
            return found if isinstance(found, int) and found >= 0 else 0
        return len(self.index)

    def lines(self, name: str) -> Iterator[bytes]:
        with self.zip.open(name) as handle:
            yield from _split(_chunks(handle))

    def checked_lines(self, name: str) -> Iterator[bytes]:
        """The lines of a member not checked yet, checked as they are read: BundleRefused,
        raised by the last step (or at a damaged spot), when the member is not exactly what
        the manifest says. Whoever reads them must go on to the end before trusting them."""
        digest = _Digest()
        try:
            with self.zip.open(name) as handle:
                yield from _split(_chunks(handle, digest))
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise BundleRefused(_damaged(self.path.name)) from None
        if not digest.matches(self.manifest["members"][name]):
            raise BundleRefused(_altered(self.path.name, name))

    def records(self) -> Iterator[tuple[bytes, str, str]]:
        """(line, audit id, SHA-256 of the line) of every record, checked as they are read (see
        `checked_lines`): refused at the end for an altered member, and for a record whose id
        cannot be read or an audit twice."""
        seen: set[str] = set()
        for line in self.checked_lines("audits.jsonl"):
            try:
                audit_id = _line_id(line)
            except (ValueError, UnicodeDecodeError):
                raise BundleRefused(_unreadable(self.path.name)) from None
            if audit_id in seen:
                raise BundleRefused(f"{self.path.name}: it holds an audit twice. Nothing was "
                                    "imported.")
            seen.add(audit_id)
            yield line, audit_id, hashlib.sha256(line).hexdigest()

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_bundle(path: Path, *, schema_version: int, check_records: bool = True) -> Bundle:
    """Open and check a bundle: readable, ours, not from a newer schema or format, and every
    member exactly as the manifest says. Raises BundleRefused; nothing is written.
    `check_records` False leaves the records and facts to be checked as they are read
    (`Bundle.records`, `checked_lines`: by the importer, in its transaction, when reading them
    twice would be the larger part of the work): `index` is then None."""
    path = Path(path)
    name = path.name
    damaged = _damaged(name)
    if not path.is_file():
        raise BundleRefused(f"{path} does not exist or is not a file. Nothing was imported.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with open(path, "rb") as handle:
            zipped = handle.read(4) == b"PK\x03\x04"
        raise BundleRefused(damaged if zipped else f"{name} is not an audit-tui bundle. "
                            "Nothing was imported.") from None
    except OSError as exc:
        raise BundleRefused(f"Cannot read {path}: {exc.strerror}. Nothing was imported.") \
            from None
    try:
        try:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
        except KeyError:
            raise BundleRefused(f"{name} is a zip file but not an audit-tui bundle (it has no "
                                "manifest). Nothing was imported.") from None
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError):
            raise BundleRefused(damaged) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleRefused(f"{name} is not an audit-tui bundle. Nothing was imported.")
        made_by = manifest.get("tool_version", "an unknown version")
        fmt, schema = manifest.get("format_version"), manifest.get("schema_version")
        if not isinstance(fmt, int) or not isinstance(schema, int):
            raise BundleRefused(damaged)
        if fmt > FORMAT_VERSION or schema > schema_version:
            raise BundleRefused(
                f"{name} was made by a newer version of audit-tui ({made_by}; bundle format "
                f"{fmt}, schema {schema}) than this one (format {FORMAT_VERSION}, schema "
                f"{schema_version}). Nothing was imported. Install the newer version of "
                "audit-tui here, then import it again.")
        members = manifest.get("members")
        if not isinstance(members, dict) or set(MEMBERS) - set(members):
            raise BundleRefused(damaged)
        try:
            expected = payload_checksum(manifest)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BundleRefused(damaged) from None
        if manifest.get("checksum") != expected:
            raise BundleRefused(f"{name} has been altered: its checksum does not match its "
                                "contents. Nothing was imported.")
        index: list[tuple[str, str]] = []
        unreadable = False
        optional = present_members(manifest)[len(MEMBERS):]
        for member in (MEMBERS if check_records else ("templates.jsonl",)) + optional:
            digest = _Digest()
            try:
                with archive.open(member) as handle:
                    if member == "audits.jsonl":
                        for line in _split(_chunks(handle, digest)):
                            try:
                                audit_id = _line_id(line)
                            except (ValueError, UnicodeDecodeError):
                                unreadable = True
                                continue
                            index.append((audit_id, hashlib.sha256(line).hexdigest()))
                    else:
                        for _ in _chunks(handle, digest):
                            pass
            except KeyError:
                raise BundleRefused(damaged) from None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                raise BundleRefused(damaged) from None
            if not digest.matches(members[member]):
                raise BundleRefused(_altered(name, member))
        if unreadable:
            raise BundleRefused(_unreadable(name))
    except BaseException:
        archive.close()
        raise
    return Bundle(path, manifest, archive, index if check_records else None)
