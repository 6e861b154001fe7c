"""Input handling: path or bytes -> the one XBRL document to parse, parsed with lxml.

A full-submission.txt (EDGAR envelope) may hold an inline XBRL document and a classic
instance (EX-101.INS, or the ``*_htm.xml`` the SEC derives). The rule: parse the first
document that is inline XBRL (EDGAR puts the primary document first); only when there is
none, parse the first classic instance. The chosen file name goes to ``source_document``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.edgar.submission_file import (
    SubmissionFormatError,
    completeness_problem,
    iter_documents,
)
from pipeline.xbrl.errors import NoXbrlError, XbrlParseError

IX_NAMESPACES = (b"http://www.xbrl.org/2013/inlineXBRL", b"http://www.xbrl.org/2008/inlineXBRL")
_XBRL_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?xbrl[\s>]")  # root of an instance
_STRICT = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
_RECOVER = etree.XMLParser(huge_tree=True, recover=True, resolve_entities=False, no_network=True)
_CLOSES = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:html|xbrl)\s*>\s*$")
_XML_ERR_INVALID_ENCODING = 81  # libxml2 error code for bytes that are not the encoding


@dataclass(frozen=True)
class Document:
    """The bytes of one document and the file name reported as its source."""

    name: str
    data: bytes


def _is_submission(data: bytes) -> bool:
    head = data[:2048].lstrip()
    return head.startswith(b"<SEC-DOCUMENT>") or b"<SEC-HEADER>" in head


def _pick_from_submission(data: bytes, where: str) -> Document:
    problem = completeness_problem(data)
    if problem is not None:
        raise XbrlParseError(f"{where}: incomplete submission: {problem}")
    try:
        docs = list(iter_documents(data, where))
    except SubmissionFormatError as exc:
        raise XbrlParseError(str(exc)) from exc
    for doc in docs:
        if any(ns in doc.body for ns in IX_NAMESPACES):
            return Document(doc.filename or f"{where}#{doc.sequence}", doc.body)
    for doc in docs:
        is_xml = doc.filename.lower().endswith(".xml")
        if doc.type == "EX-101.INS" or (is_xml and _XBRL_ROOT.search(doc.body[:8192])):
            return Document(doc.filename or f"{where}#{doc.sequence}", doc.body)
    raise NoXbrlError(f"{where}: no inline XBRL document and no XBRL instance in the submission")


def load_document(source: str | Path | bytes) -> Document:
    """Read ``source`` (path or bytes) and, for a full submission, pick its XBRL document."""
    if isinstance(source, bytes | bytearray | memoryview):
        data, where = bytes(source), "<bytes>"
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise XbrlParseError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        where = path.name
    if not data or data.isspace():  # isspace stops at the first non-blank byte: no copy
        raise XbrlParseError(f"{where}: empty document")
    if _is_submission(data):
        return _pick_from_submission(data, where)
    return Document(where, data)


def _utf8_problem(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8"
    return None


def parse_xml(doc: Document) -> tuple[etree._Element, str]:
    """Parse strictly; on failure raise for truncation or bad bytes, else recover with a flag.

    Returns the root and a flag string ("" when the strict parse succeeded).
    """
    try:
        return etree.fromstring(doc.data, _STRICT), ""
    except etree.XMLSyntaxError as exc:
        error = exc
    if not doc.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise XbrlParseError(f"{doc.name}: not XML (no XBRL): {error}") from error
    if error.code == _XML_ERR_INVALID_ENCODING:
        detail = _utf8_problem(doc.data) or str(error)
        raise XbrlParseError(f"{doc.name}: invalid character encoding: {detail}") from error
    if not _CLOSES.search(doc.data[-512:]):
        raise XbrlParseError(
            f"{doc.name}: truncated document (does not end with its root's end tag): {error}"
        ) from error
    root = etree.fromstring(doc.data, _RECOVER)
    if root is None:
        raise XbrlParseError(f"{doc.name}: not XML: {error}") from error
    return root, f"xml_recovered: {error}"
