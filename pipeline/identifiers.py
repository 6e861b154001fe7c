"""Strict checks for identifiers taken from EDGAR or settings, and a path join that stays inside.

Every value that comes from EDGAR (the submissions index, the ticker map, an SEC header,
a submission's document names) or from settings goes through one of these checks before
it reaches a path, SQL or a subprocess. Each check returns the value (normalised where
stated) or raises :class:`UnsafeIdentifierError`, a one-line ``ValueError`` naming the
field, the value and where it came from.
"""

from __future__ import annotations

import re
from pathlib import Path

ACCESSION = re.compile(r"\d{10}-\d{2}-\d{6}")
CIK = re.compile(r"\d{1,10}")
TICKER = re.compile(r"[A-Z][A-Z0-9.\-]{0,9}")
# EDGAR form types: 10-K, 10-Q/A, 8-K, SC 13G/A, DEF 14A, 424B2, NT 10-K, 10-K405, ...
FORM_TYPE = re.compile(r"[A-Z0-9][A-Z0-9\-/ ]{0,19}")
DOCUMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,199}")

_SHOWN = 60  # characters of a refused value shown in the message


class UnsafeIdentifierError(ValueError):
    """A value from EDGAR or settings that does not match its strict pattern."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _refuse(field: str, value: object, source: str, rule: str) -> UnsafeIdentifierError:
    where = f" from {source}" if source else ""
    return UnsafeIdentifierError(f"{field} {_shown(value)}{where} is refused: {rule}")


def _full(pattern: re.Pattern[str], value: object) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def check_accession(value: object, source: str = "") -> str:
    """An accession number, ``0001018724-24-000008`` (10 digits, 2, 6, dashes)."""
    if _full(ACCESSION, value) is None:
        raise _refuse("accession number", value, source, "expected ##########-##-######")
    return value  # type: ignore[return-value]


def check_cik(value: object, source: str = "") -> str:
    """A CIK (1-10 digits, or a non-negative int), normalised to 10 digits."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if _full(CIK, text) is None:
        raise _refuse("CIK", value, source, "expected 1 to 10 digits")
    return text.zfill(10)  # type: ignore[union-attr]


def check_ticker(value: object, source: str = "") -> str:
    """A ticker, upper-cased: a letter, then up to 9 letters, digits, '.' or '-'; never '..'."""
    upper = value.strip().upper() if isinstance(value, str) else value
    if _full(TICKER, upper) is None or ".." in upper:  # type: ignore[operator]
        raise _refuse(
            "ticker", value, source, "expected a letter, then letters, digits, '.' or '-'"
        )
    return upper  # type: ignore[return-value]


def check_form(value: object, source: str = "") -> str:
    """An EDGAR form type: upper-case letters, digits, '-', '/' and spaces (10-K/A, SC 13G)."""
    if _full(FORM_TYPE, value) is None:
        raise _refuse(
            "form type", value, source, "expected upper-case letters, digits, '-', '/', ' '"
        )
    return value  # type: ignore[return-value]


def check_document_name(value: object, source: str = "") -> str:
    """A file name inside a filing: letters, digits, '.', '_', '-'; no '..', no separators."""
    if _full(DOCUMENT_NAME, value) is None or ".." in value:  # type: ignore[operator]
        raise _refuse(
            "document name", value, source, "expected letters, digits, '.', '_', '-', no '..'"
        )
    return value  # type: ignore[return-value]


def contained_path(base: Path | str, *parts: str, source: str = "") -> Path:
    """``base`` joined with ``parts``, refused unless it resolves to a path below ``base``.

    Symlinks and ``..`` are resolved before the check; absolute parts are refused. The
    joined (unresolved) path is returned.
    """
    joined = Path(base, *parts)
    try:
        root = Path(base).resolve()
        resolved = joined.resolve()
    except (ValueError, OSError) as exc:  # embedded NUL byte, symlink loop
        raise _refuse("path", str(joined), source, f"cannot be resolved ({exc})") from exc
    inside = resolved.is_relative_to(root) and (resolved != root or not parts)
    if not inside or any(Path(p).is_absolute() for p in parts):
        raise _refuse("path", str(joined), source, f"it does not stay inside {root}")
    return joined


def contained_key(prefix: str, *parts: str, source: str = "") -> str:
    """An object-store key: ``prefix`` joined with ``parts`` by ``/``, each part checked.

    The key-space twin of :func:`contained_path` (an object store resolves nothing, so the
    check is on the text): a part that is empty, absolute, or has an empty, ``.`` or ``..``
    segment, a backslash or a control character is refused, so the key stays below
    ``prefix``.
    """
    for part in parts:
        segments = part.split("/") if isinstance(part, str) else [""]
        bad = not isinstance(part, str) or any(
            s in ("", ".", "..") or "\\" in s or any(ord(c) < 32 for c in s) for s in segments
        )
        if bad:
            joined = "/".join(str(p) for p in (prefix, *parts) if p)
            below = repr(prefix) if prefix else "the lake's root"
            raise _refuse("object key", joined, source, f"it does not stay below {below}")
    return "/".join(p for p in (prefix, *parts) if p)
