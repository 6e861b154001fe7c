"""The Parquet lake's storage: a local folder (the default) or a prefix on an object store.

A location in the lake is a :class:`pathlib.Path` (a local lake; ``file://`` URIs become
one) or an :class:`ObjectPath` (a key below a URI that pyarrow's filesystems open:
``s3://``, ``gs://``, ``abfs://``...). Every read, write, existence check and listing of the
catalog and the per-filing Parquet goes through this module.

A write is whole or not at all. Locally: a temporary file beside the target, fsync'ed, then
renamed (:mod:`pipeline.parquet_io`). On an object store: the file is serialized in memory
first, then uploaded as one object, which readers see only once its upload completes (no
rename, and never a half-written object, even if the process dies mid-upload).

Credentials and endpoints are pyarrow's own: AWS_* variables (or an instance role),
GOOGLE_APPLICATION_CREDENTIALS, and URI query options such as
``?endpoint_override=127.0.0.1:9000&scheme=http``. A URI carrying a password or a secret
query option is refused (settings show in the Dagster UI); messages show URIs without user
info or query (:func:`mask_uri`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from pipeline.identifiers import UnsafeIdentifierError, contained_key, contained_path

if TYPE_CHECKING:  # pyarrow is imported where it is used: settings load without it
    import pyarrow as pa
    import pyarrow.fs as pafs

# Query options that carry a secret (pyarrow takes S3 keys as user info, Azure's as options).
_SECRET_OPTION = re.compile(r"secret|passw|token|signature|sig$|(^|_)key$", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class LakeUriError(ValueError):
    """A lake location that cannot be used; the message says why (not which setting)."""


class LakeUnavailableError(OSError):
    """The object store did not answer, or refused (endpoint, bucket, credentials): one line
    naming the location. A missing object is ``FileNotFoundError``, never this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


@contextmanager
def _remote(location: ObjectPath, doing: str) -> Iterator[None]:
    """Turn an object store's failure into one :class:`LakeUnavailableError` line.

    Each request's wait is bounded by the store client's own timeouts and retries.
    """
    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as exc:
        if isinstance(exc, LakeUnavailableError):
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LakeUnavailableError(
            f"{location}: cannot {doing} ({reason}): check EDGAR_LAKE's endpoint, bucket and "
            "credentials (AWS_* variables for s3://)"
        ) from exc


def mask_uri(text: str) -> str:
    """``text`` for messages: a URI without its user info (``***@``) or query (``?…``)."""
    if not _SCHEME.match(text):
        return text
    parts = urlsplit(text)
    _userinfo, at, host = parts.netloc.rpartition("@")
    netloc = f"***@{host}" if at else host
    return f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")


@dataclass(frozen=True, order=True)
class ObjectPath:
    """A location in a lake on an object store: the lake's root URI and a key below it.

    ``root`` is the lake's URI as configured (``s3://bucket/prefix?options``, no password);
    ``key`` is ``/``-separated below it, ``""`` for the root. Joining with ``/`` checks each
    part (:func:`pipeline.identifiers.contained_key`), as :func:`contained_path` does for
    local paths.
    """

    root: str
    key: str = ""

    def __truediv__(self, part: str) -> ObjectPath:
        return ObjectPath(self.root, contained_key(self.key, part, source="the lake"))

    def __str__(self) -> str:
        shown = mask_uri(self.root).removesuffix("?…")
        return f"{shown}/{self.key}" if self.key else shown

    @property
    def name(self) -> str:
        """The last segment of the key (of the root's path at the root)."""
        return (self.key or urlsplit(self.root).path).rstrip("/").rpartition("/")[2]

    @property
    def parent(self) -> ObjectPath:
        """The location one segment up; the root has none inside the lake."""
        if not self.key:
            raise ValueError(f"{self} is the lake's root: it has no parent inside the lake")
        return ObjectPath(self.root, self.key.rpartition("/")[0])

    def with_name(self, name: str) -> ObjectPath:
        """This location with its last segment replaced (checked like any part)."""
        return self.parent / name

    @property
    def uri(self) -> str:
        """A URI that :func:`parse_location` turns back into this location (query kept)."""
        parts = urlsplit(self.root)
        path = parts.path.rstrip("/") + ("/" + quote(self.key, safe="/=") if self.key else "")
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))

    def target(self) -> tuple[pafs.FileSystem, str]:
        """pyarrow's filesystem for the lake and this location's path on it."""
        filesystem, base = _open_root(self.root)
        return filesystem, f"{base.rstrip('/')}/{self.key}" if self.key else base


LakePath = Path | ObjectPath


@lru_cache(maxsize=16)
def _open_root(root: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem of a lake root (once per process: an S3 client, a region lookup)."""
    import pyarrow.fs as pafs

    return pafs.FileSystem.from_uri(root)


def _refuse_secrets(text: str) -> None:
    parts = urlsplit(text)
    if parts.password is not None:
        raise LakeUriError(
            "carries a password in the URI: give credentials through the filesystem's own "
            "variables instead (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for s3://, "
            "GOOGLE_APPLICATION_CREDENTIALS for gs://), never in the URI"
        )
    secrets = [
        k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if _SECRET_OPTION.search(k)
    ]
    if secrets:
        raise LakeUriError(
            f"carries a secret in its query ({', '.join(secrets)}): give credentials through "
            "the filesystem's own variables (AWS_*, GOOGLE_APPLICATION_CREDENTIALS) instead"
        )


def _check_uri(text: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow's parse of a lake URI, made without a network request.

    pyarrow looks up an S3 bucket's region when the URI names neither ``region`` nor
    ``endpoint_override``; the check adds a region so that it never waits on the network
    (the real filesystem, opened on first use, does the lookup).
    """
    import pyarrow as pa
    import pyarrow.fs as pafs

    parts = urlsplit(text)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    probe = text
    if parts.scheme.lower() == "s3" and not {"region", "endpoint_override"} & options.keys():
        query = f"{parts.query}&region=us-east-1" if parts.query else "region=us-east-1"
        probe = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    try:
        return pafs.FileSystem.from_uri(probe)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = reason.replace(probe, mask_uri(text)).replace(text, mask_uri(text))
        raise LakeUriError(
            f"is not a URI pyarrow's filesystems can open ({reason}): give a local path, or a "
            "URI such as s3://bucket/prefix, gs://bucket/prefix or file:///path"
        ) from None


def parse_lake(text: str) -> LakePath:
    """A lake root from its setting: a local path (resolved), or a URI checked without network.

    Raises :class:`LakeUriError` for a URI that carries a password or a secret option, a
    fragment, an empty, ``.`` or ``..`` path segment, no bucket or container, or that pyarrow
    cannot open (an unknown scheme, an unknown option). ``file://`` URIs give local paths.
    """
    text = text.strip()
    if not _SCHEME.match(text):
        return Path(text).expanduser().resolve()
    _refuse_secrets(text)
    parts = urlsplit(text)
    if parts.fragment or text.endswith("#"):
        raise LakeUriError("has a '#' fragment: give the lake's URI without one")
    if parts.scheme.lower() == "mock":
        raise LakeUriError("is pyarrow's in-memory test filesystem: nothing would be kept")
    filesystem, path = _check_uri(text)
    if type(filesystem).__name__ == "LocalFileSystem":
        return Path(path).resolve()
    segments = [s for s in parts.path.strip("/").split("/") if s]
    try:
        contained_key("", *segments, source="EDGAR_LAKE")
    except UnsafeIdentifierError:
        raise LakeUriError(
            "has a '.' or '..' segment in its path: give the prefix plainly"
        ) from None
    if parts.path.rstrip("/") != "".join(f"/{s}" for s in segments):
        raise LakeUriError("has an empty segment ('//') in its path: give the prefix plainly")
    if not path.strip("/"):
        raise LakeUriError("names no bucket or container: give one, like s3://bucket/prefix")
    root = urlunsplit(
        (parts.scheme.lower(), parts.netloc, "/".join(["", *segments]), parts.query, "")
    )
    return ObjectPath(root)


def parse_location(text: str) -> LakePath:
    """A location from :func:`location_text` (a local path as given, or a URI)."""
    return ObjectPath(text) if _SCHEME.match(text) else Path(text)


def location_text(location: LakePath) -> str:
    """The text of a location that :func:`parse_location` reads back (a path, or a URI)."""
    return location.uri if isinstance(location, ObjectPath) else str(location)


def is_local(location: LakePath) -> bool:
    """Whether ``location`` is on the local filesystem."""
    return not isinstance(location, ObjectPath)


def join(base: LakePath, *parts: str, source: str = "") -> LakePath:
    """``base`` joined with ``parts``, refused unless it stays below ``base``.

    Locally :func:`pipeline.identifiers.contained_path` (symlinks resolved); on an object
    store :func:`pipeline.identifiers.contained_key`. Raises ``UnsafeIdentifierError``.
    """
    if isinstance(base, ObjectPath):
        return ObjectPath(base.root, contained_key(base.key, *parts, source=source))
    return contained_path(base, *parts, source=source)


def is_file(location: LakePath) -> bool:
    """Whether a file (an object) exists at ``location``."""
    if isinstance(location, ObjectPath):
        import pyarrow.fs as pafs

        with _remote(location, "check the object"):
            filesystem, path = location.target()
            return filesystem.get_file_info(path).type == pafs.FileType.File
    return location.is_file()


def read_table(location: LakePath) -> pa.Table:
    """The Parquet table at ``location``."""
    import pyarrow.parquet as pq

    if isinstance(location, ObjectPath):
        with _remote(location, "read the object"):
            filesystem, path = location.target()
            return pq.read_table(path, filesystem=filesystem, partitioning=None)
    return pq.read_table(location, partitioning=None)


def read_metadata(location: LakePath) -> dict[str, str]:
    """The key-value metadata of the Parquet file at ``location`` (its footer only)."""
    import pyarrow.parquet as pq

    if isinstance(location, ObjectPath):
        with _remote(location, "read the object's footer"):
            filesystem, path = location.target()
            raw = pq.read_metadata(path, filesystem=filesystem).metadata or {}
    else:
        raw = pq.read_metadata(location).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k != b"ARROW:schema"}


def _with_metadata(table: pa.Table, metadata: Mapping[str, str] | None) -> pa.Table:
    if not metadata:
        return table
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})


def write_tables(outputs: Sequence[tuple[pa.Table, LakePath, Mapping[str, str] | None]]) -> None:
    """Write each ``(table, location, key_value_metadata)``, each file whole or not at all.

    Local files: all written to temporary files first, then renamed, so a failure leaves
    every previous file (:func:`pipeline.parquet_io.write_parquet_files_atomically`). Objects:
    all serialized in memory first (an error there uploads nothing), then uploaded one by one;
    an upload that fails leaves the previous object, and raises ``OSError`` naming it.
    """
    from pipeline.parquet_io import write_parquet_files_atomically

    local = [(t, loc, m) for t, loc, m in outputs if not isinstance(loc, ObjectPath)]
    remote = [(t, loc, m) for t, loc, m in outputs if isinstance(loc, ObjectPath)]
    serialized = [(_serialize(_with_metadata(t, m)), loc) for t, loc, m in remote]
    if local:
        write_parquet_files_atomically(local)  # type: ignore[arg-type]
    for data, location in serialized:
        _upload(data, location)


def write_table(
    table: pa.Table, location: LakePath, metadata: Mapping[str, str] | None = None
) -> None:
    """Write one Parquet file whole or not at all (see :func:`write_tables`)."""
    write_tables([(table, location, metadata)])


def _serialize(table: pa.Table) -> pa.Buffer:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue()


def _upload(data: pa.Buffer, location: ObjectPath) -> None:
    """One object from bytes already in memory.

    Nothing streams from the Parquet writer to the store: pyarrow completes an upload when
    its stream is closed, and a stream closed by an exception mid-write would publish the
    bytes written so far.
    """
    with _remote(location, "upload the object (the previous one, if any, is kept)"):
        filesystem, path = location.target()
        with filesystem.open_output_stream(path) as out:
            out.write(data)


def list_files(folder: LakePath, suffix: str = ".parquet") -> list[LakePath]:
    """Every file below ``folder`` (recursively) whose name ends with ``suffix``, sorted.

    On an object store this is one listing (a request per 1,000 keys), not a request per file.
    """
    if isinstance(folder, ObjectPath):
        import pyarrow.fs as pafs

        filesystem, base = folder.target()
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        with _remote(folder, "list the lake"):
            infos = filesystem.get_file_info(selector)
        prefix = base.rstrip("/") + "/"
        found = [
            ObjectPath(
                folder.root, "/".join(p for p in (folder.key, info.path[len(prefix) :]) if p)
            )
            for info in infos
            if info.type == pafs.FileType.File and info.path.endswith(suffix)
        ]
        return sorted(found)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(f"*{suffix}") if p.is_file())
