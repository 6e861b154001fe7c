"""Read and write EDGAR full-submission text files (``<accession>.txt``).

An EDGAR submission file is an SGML envelope: an ``<SEC-HEADER>`` of tab-separated
``KEY:<TAB>value`` lines (accession number, form, period of report, filing date, filer
CIK and fiscal year end), then one ``<DOCUMENT>`` per file of the filing, each with
``<TYPE>``, ``<SEQUENCE>``, ``<FILENAME>``, ``<DESCRIPTION>`` and a ``<TEXT>`` body
(XBRL and inline XBRL bodies are wrapped in ``<XBRL>``), and a closing
``</SEC-DOCUMENT>``.

This module has no Dagster import: the parser and the EDGAR stand-in use it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_document_name,
    check_form,
)

_HEADER_LINE = re.compile(rb"^\s*([A-Z][A-Z0-9 &/-]*?):[ \t]*(.*?)\s*$", re.MULTILINE)
_DOC_START = b"<DOCUMENT>"
_DOC_END = b"</DOCUMENT>"
_END_MARK = b"</SEC-DOCUMENT>"
_TAG_LINE = re.compile(rb"^<(TYPE|SEQUENCE|FILENAME|DESCRIPTION)>(.*)$", re.MULTILINE)


class SubmissionFormatError(ValueError):
    """A full-submission file that is not a complete, well-formed EDGAR envelope."""


@dataclass(frozen=True)
class SubmissionHeader:
    """The facts that the SEC header of a submission states about its filing."""

    accession_number: str
    form: str
    period_of_report: date | None
    filing_date: date
    cik: str
    company_name: str
    fiscal_year_end: str | None

    @property
    def is_amendment(self) -> bool:
        """True for 10-K/A, 10-Q/A and other amendments."""
        return self.form.endswith("/A")


@dataclass(frozen=True)
class SubmissionDocument:
    """One ``<DOCUMENT>`` of a submission: its type, file name and body."""

    type: str
    sequence: int
    filename: str
    description: str
    body: bytes


def _yyyymmdd(value: str, field: str, where: str) -> date:
    if not re.fullmatch(r"\d{8}", value):
        raise SubmissionFormatError(f"{where}: header field {field} is {value!r}, not YYYYMMDD")
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _header_block(data: bytes, where: str) -> bytes:
    start = data.find(b"<SEC-HEADER>")
    end = data.find(b"</SEC-HEADER>")
    if start < 0 or end < 0:
        raise SubmissionFormatError(f"{where}: no <SEC-HEADER> ... </SEC-HEADER> block")
    return data[start:end]


def parse_header(data: bytes, where: str = "submission") -> SubmissionHeader:
    """Parse the SEC header at the top of a full-submission file.

    ``where`` names the file in error messages. The accession number, form type and CIK
    are checked against strict patterns (:mod:`pipeline.identifiers`); a value that fails
    raises :class:`SubmissionFormatError` naming the file, the field and the value.
    """
    fields: dict[str, str] = {}
    for key, value in _HEADER_LINE.findall(_header_block(data, where)):
        # The first occurrence wins: the filer block comes before any other party's.
        fields.setdefault(key.decode("ascii").strip(), value.decode("latin-1").strip())
    required = ("ACCESSION NUMBER", "CONFORMED SUBMISSION TYPE", "FILED AS OF DATE")
    missing = [k for k in (*required, "CENTRAL INDEX KEY") if k not in fields]
    if missing:
        raise SubmissionFormatError(f"{where}: SEC header lacks {', '.join(missing)}")
    source = f"the SEC header of {where}"
    try:
        accession = check_accession(fields["ACCESSION NUMBER"], source)
        form = check_form(fields["CONFORMED SUBMISSION TYPE"], source)
        cik = check_cik(fields["CENTRAL INDEX KEY"], source)
    except UnsafeIdentifierError as exc:
        raise SubmissionFormatError(str(exc)) from exc
    period = fields.get("CONFORMED PERIOD OF REPORT")
    return SubmissionHeader(
        accession_number=accession,
        form=form,
        period_of_report=_yyyymmdd(period, "CONFORMED PERIOD OF REPORT", where) if period else None,
        filing_date=_yyyymmdd(fields["FILED AS OF DATE"], "FILED AS OF DATE", where),
        cik=cik,
        company_name=fields.get("COMPANY CONFORMED NAME", ""),
        fiscal_year_end=fields.get("FISCAL YEAR END"),
    )


def completeness_problem(data: bytes) -> str | None:
    """Say why a downloaded submission is incomplete, or return None when it is whole.

    Whole means: it has a header, at least one document, every ``<DOCUMENT>`` is
    closed, and the envelope ends with ``</SEC-DOCUMENT>`` right after its last document.
    """
    if b"</SEC-HEADER>" not in data:
        return "no complete SEC header"
    opened, closed = data.count(_DOC_START), data.count(_DOC_END)
    if opened == 0:
        return "no <DOCUMENT> in the submission"
    if opened != closed:
        return f"{opened} documents opened but {closed} closed (truncated?)"
    tail = data.rstrip()
    if not tail.endswith(_END_MARK):
        return "does not end with </SEC-DOCUMENT> (truncated?)"
    if not tail[: -len(_END_MARK)].rstrip().endswith(_DOC_END):
        return "</SEC-DOCUMENT> does not follow the last </DOCUMENT>"
    return None


def is_complete_file(path: Path) -> bool:
    """True when ``path`` exists and holds a whole submission (see completeness_problem)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    return completeness_problem(data) is None


def _strip_wrapper(body: bytes, tag: bytes) -> bytes:
    stripped = body.strip()
    open_tag, close_tag = b"<" + tag + b">", b"</" + tag + b">"
    if stripped.startswith(open_tag) and stripped.endswith(close_tag):
        return stripped[len(open_tag) : -len(close_tag)].strip()
    return body


def iter_documents(data: bytes, where: str = "submission") -> Iterator[SubmissionDocument]:
    """Yield each ``<DOCUMENT>`` of a submission, its body unwrapped from TEXT and XBRL.

    A ``<FILENAME>`` that is not a plain file name (see
    :func:`pipeline.identifiers.check_document_name`) raises :class:`SubmissionFormatError`.
    """
    pos = 0
    while (start := data.find(_DOC_START, pos)) >= 0:
        end = data.find(_DOC_END, start)
        if end < 0:
            raise SubmissionFormatError(f"{where}: document at byte {start} is never closed")
        chunk = data[start + len(_DOC_START) : end]
        text_at = chunk.find(b"<TEXT>")
        head = chunk if text_at < 0 else chunk[:text_at]
        tags = {k.decode(): v.decode("latin-1").strip() for k, v in _TAG_LINE.findall(head)}
        body = b"" if text_at < 0 else chunk[text_at:]
        body = _strip_wrapper(_strip_wrapper(body, b"TEXT"), b"XBRL")
        sequence = tags.get("SEQUENCE", "0")
        filename = tags.get("FILENAME", "")
        if filename:
            try:
                check_document_name(filename, f"{where}, document at byte {start}")
            except UnsafeIdentifierError as exc:
                raise SubmissionFormatError(str(exc)) from exc
        yield SubmissionDocument(
            type=tags.get("TYPE", ""),
            sequence=int(sequence) if sequence.isdigit() else 0,
            filename=filename,
            description=tags.get("DESCRIPTION", ""),
            body=body,
        )
        pos = end + len(_DOC_END)


def build_submission(
    header: SubmissionHeader,
    documents: list[SubmissionDocument],
    *,
    sic: str = "",
) -> bytes:
    """Write a full-submission file in EDGAR's layout around the given documents.

    XML and inline XBRL bodies (``.xml``, ``.xsd``, ``.htm``) are wrapped in
    ``<XBRL>`` as EDGAR does for XBRL exhibits and inline XBRL documents.
    """
    acc = header.accession_number
    filed = header.filing_date.strftime("%Y%m%d")
    lines = [
        f"<SEC-DOCUMENT>{acc}.txt : {filed}",
        f"<SEC-HEADER>{acc}.hdr.sgml : {filed}",
        f"ACCESSION NUMBER:\t\t{acc}",
        f"CONFORMED SUBMISSION TYPE:\t{header.form}",
        f"PUBLIC DOCUMENT COUNT:\t\t{len(documents)}",
    ]
    if header.period_of_report:
        lines.append(f"CONFORMED PERIOD OF REPORT:\t{header.period_of_report:%Y%m%d}")
    lines += [
        f"FILED AS OF DATE:\t\t{filed}",
        "",
        "FILER:",
        "",
        "\tCOMPANY DATA:\t",
        f"\t\tCOMPANY CONFORMED NAME:\t\t\t{header.company_name}",
        f"\t\tCENTRAL INDEX KEY:\t\t\t{header.cik}",
    ]
    if sic:
        lines.append(f"\t\tSTANDARD INDUSTRIAL CLASSIFICATION:\t{sic}")
    if header.fiscal_year_end:
        lines.append(f"\t\tFISCAL YEAR END:\t\t\t{header.fiscal_year_end}")
    lines += ["", "\tFILING VALUES:", f"\t\tFORM TYPE:\t\t{header.form}", "</SEC-HEADER>"]
    out = [("\n".join(lines) + "\n").encode("latin-1")]
    for doc in documents:
        xbrl = doc.filename.lower().endswith((".xml", ".xsd", ".htm", ".html"))
        body = b"<XBRL>\n" + doc.body + b"\n</XBRL>" if xbrl else doc.body
        out.append(
            (
                f"<DOCUMENT>\n<TYPE>{doc.type}\n<SEQUENCE>{doc.sequence}\n"
                f"<FILENAME>{doc.filename}\n<DESCRIPTION>{doc.description}\n<TEXT>\n"
            ).encode("latin-1")
            + body
            + b"\n</TEXT>\n</DOCUMENT>\n"
        )
    out.append(b"</SEC-DOCUMENT>\n")
    return b"".join(out)
