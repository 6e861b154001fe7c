"""Fault matrix, lake and warehouse: tampered inputs, stray files, query escapes, a damaged
warehouse, lock conflicts and a full disk, on the real filings of ../shared/edgar.

Each test gets its own copy of a lake built once per module from filings.csv: every filing
landed as the stand-in serves it (its SEC envelope around the real documents), a catalog
row recording its size and sha256 at landing, its facts and line items parsed to Parquet by
the pipeline, and a warehouse loaded from them. The tests call the pipeline's own functions
(parse_filing, load_from_settings) and, for ``query`` and ``status``, the real CLI.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import Settings
from pipeline.edgar.catalog import CATALOG_SCHEMA
from pipeline.edgar.standin.corpus import Corpus
from pipeline.parquet_io import DiskFullError, write_parquet_atomically
from pipeline.warehouse import (
    SnapshotStore,
    WarehouseDiskFullError,
    load_from_settings,
    read_connection,
)
from pipeline.xbrl import PARSER_VERSION
from pipeline.xbrl.datasets import (
    DATASETS,
    IntegrityError,
    dataset_dir,
    filing_file,
    parse_filing,
    read_catalog,
    read_filing_metadata,
)
from tests.conftest import catalog_row, make_settings, newest, tickers_of
from tests.faults.disk import fill, tmpfs
from tests.faults.runner import CliRun, cli_env, run_cli

REFUSED_SUFFIX = "(the query command is read-only and cannot read or write files)"


# -- the lake ---------------------------------------------------------------------------


def _catalog_row(row: dict[str, str], path: Path, data: bytes) -> dict:
    """The catalog row of a landed filing: size and sha256 recorded at landing."""
    return catalog_row(
        row, path=str(path), size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def write_catalog(settings: Settings, rows: list[dict]) -> None:
    write_parquet_atomically(
        pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA), settings.catalog_path
    )


def land_and_parse(settings: Settings, corpus: Path, rows: list[dict[str, str]]) -> list[dict]:
    """Land every filing of ``rows``, write the catalog, parse each; return catalog rows."""
    served = Corpus(corpus)
    catalog = []
    for row in rows:
        entry = next(r for r in served.rows() if r.accession_number == row["accession_number"])
        data = served.archive_file(
            entry.cik_int, entry.accession_no_dashes, f"{row['accession_number']}.txt"
        )
        path = (
            settings.landing_dir
            / "sec-edgar-filings"
            / row["ticker"]
            / row["form"].replace("/", "-")
            / row["accession_number"]
            / "full-submission.txt"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        catalog.append(_catalog_row(row, path, data))
    write_catalog(settings, catalog)
    for filing in catalog:
        parse_filing(settings, filing)
    return catalog


@dataclass(frozen=True)
class Lake:
    """A data folder with landed filings, their catalog, Parquet files and a warehouse."""

    settings: Settings

    @property
    def data(self) -> Path:
        return self.settings.data_dir

    def catalog(self) -> dict[str, dict]:
        return read_catalog(self.settings)

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every warehouse table, sorted: equal dumps, identical warehouses."""
        with read_connection(self.settings.warehouse_path) as con:
            tables = con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                "WHERE schema_name IN ('raw', 'core', 'marts') "
                "AND table_name <> 'loaded_files' ORDER BY 1"  # the load's bookkeeping
            ).fetchall()
            return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for (t,) in tables}

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with read_connection(self.settings.warehouse_path) as con:
            return con.execute(sql, params or []).fetchall()

    def files(self) -> dict[str, bytes]:
        """Every file under parquet/, by relative path."""
        root = self.settings.parquet_dir
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }


def _settings(data_parent: Path, tickers: tuple[str, ...]) -> Settings:
    return make_settings(data_parent, companies=tickers)


@pytest.fixture(scope="module")
def lake_template(tmp_path_factory: pytest.TempPathFactory, corpus: Path, corpus_rows) -> Lake:
    """Every filing of filings.csv landed, catalogued, parsed and loaded (built once)."""
    settings = _settings(tmp_path_factory.mktemp("lake"), tickers_of(corpus_rows))
    land_and_parse(settings, corpus, corpus_rows)
    result = load_from_settings(settings)
    assert result.rejected == () and result.missing == ()
    assert result.accessions_staged == {
        "catalog": len(corpus_rows),
        "facts": len(corpus_rows),
        "line_items": len(corpus_rows),
    }
    return Lake(settings)


def copy_lake(template: Lake, parent: Path) -> Lake:
    """A private copy of the template lake under ``parent``: catalog paths rewritten, loaded."""
    settings = _settings(parent, template.settings.companies)
    shutil.copytree(template.data, settings.data_dir)
    old, new = str(template.data), str(settings.data_dir)
    rows = [
        {**row, "path": row["path"].replace(old, new, 1)}
        for row in pq.read_table(settings.catalog_path).to_pylist()
    ]
    write_catalog(settings, rows)
    load_from_settings(settings)  # raw.filings now names the copy's landed files
    return Lake(settings)


@pytest.fixture
def lake(lake_template: Lake, tmp_path: Path) -> Lake:
    return copy_lake(lake_template, tmp_path)


def newest_inline_10k(corpus_rows: list[dict[str, str]]) -> dict[str, str]:
    """The newest 10-K filed as inline XBRL (its numbers sit in ix:nonFraction elements)."""
    return newest([r for r in corpus_rows if r["form"] == "10-K" and r["xbrl_format"] == "inline"])


def cli(args: list[str], lake: Lake, corpus: Path) -> CliRun:
    """``python -m pipeline ARGS`` on the lake's data folder, stdout and stderr apart."""
    env = cli_env(lake.data, corpus, EDGAR_COMPANIES=",".join(lake.settings.companies))
    return run_cli(args, env, timeout=120, merge_stderr=False)


def one_line(text: str) -> str:
    """The single line of ``text`` (fails when there are more)."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


# -- integrity: a landed file changed after download --------------------------------------


def test_a_landed_file_changed_since_it_landed_is_not_parsed(lake: Lake, corpus_rows) -> None:
    filing = lake.catalog()[newest_inline_10k(corpus_rows)["accession_number"]]
    landed = Path(filing["path"])
    data = landed.read_bytes()
    at = data.index(b">", data.index(b"<ix:nonFraction")) + 1  # the first tagged number
    while not data[at : at + 1].isdigit():
        at += 1
    digit = bytes([ord("0") + (data[at] - ord("0") + 1) % 10])
    altered = data[:at] + digit + data[at + 1 :]  # one digit, same size
    landed.write_bytes(altered)
    files, warehouse = lake.files(), lake.dump()

    with pytest.raises(IntegrityError) as raised:
        parse_filing(lake.settings, filing)

    label = f"{filing['ticker']} {filing['form']} {filing['accession_number']}"
    assert one_line(str(raised.value)) == (
        f"{label}: full-submission.txt changed since it landed (sha256 {filing['sha256'][:12]} "
        f"recorded, {hashlib.sha256(altered).hexdigest()[:12]} now; size {len(data)} bytes "
        f"recorded, {len(altered)} now): not parsed; the next run downloads it again"
    )
    assert lake.files() == files  # the previous Parquet files stay, byte for byte
    load_from_settings(lake.settings)
    assert lake.dump() == warehouse  # and so do the figures


# -- the load reads exactly the files the catalog names ------------------------------------


def test_stray_parquet_files_are_ignored(lake: Lake, corpus_rows) -> None:
    before = lake.dump()
    filing = lake.catalog()[corpus_rows[0]["accession_number"]]
    for dataset in DATASETS:
        folder = dataset_dir(lake.settings, dataset)
        real = filing_file(folder, filing["ticker"], filing["accession_number"])
        shutil.copy(real, real.with_name("copy of a filing.parquet"))  # would double its rows
        shutil.copy(real, folder / "loose.parquet")  # outside any ticker= folder
        (folder / "ticker=ZZZZ").mkdir()
        shutil.copy(real, folder / "ticker=ZZZZ" / real.name)  # a company nobody tracks
        real.with_name("garbage.parquet").write_bytes(b"not a Parquet file")  # breaks a glob
    shutil.copy(real, lake.settings.parquet_dir / "elsewhere.parquet")

    result = load_from_settings(lake.settings, full_refresh=True)  # stages every filing

    assert result.rejected == () and result.missing == ()
    assert result.accessions_staged["facts"] == len(corpus_rows)
    assert lake.dump() == before


def test_key_value_metadata_is_written_and_verified(
    lake: Lake, corpus_rows, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = lake.catalog()
    for accession, filing in catalog.items():
        for dataset in DATASETS:
            path = filing_file(dataset_dir(lake.settings, dataset), filing["ticker"], accession)
            assert read_filing_metadata(path) == {
                "dataset": dataset,
                "ticker": filing["ticker"],
                "accession_number": accession,
                "source_sha256": filing["sha256"],
                "source_size_bytes": str(filing["size_bytes"]),
                "parser_version": PARSER_VERSION,
            }
    target, other = (catalog[r["accession_number"]] for r in corpus_rows[:2])
    before = lake.dump()
    # The filing landed again with new bytes (so the load stages it) while its Parquet files
    # were replaced by another filing's.
    write_catalog(
        lake.settings,
        [
            {**f, "sha256": "0" * 64, "parsed_sha256": None, "parser_version": None}
            if a == target["accession_number"]
            else f
            for a, f in catalog.items()
        ],
    )
    for dataset in DATASETS:  # another filing's file copied over this filing's own
        folder = dataset_dir(lake.settings, dataset)
        shutil.copy(
            filing_file(folder, other["ticker"], other["accession_number"]),
            filing_file(folder, target["ticker"], target["accession_number"]),
        )

    with caplog.at_level("WARNING", logger="pipeline.warehouse"):
        result = load_from_settings(lake.settings)

    acc, other_acc = target["accession_number"], other["accession_number"]
    assert [(r.dataset, r.accession_number) for r in result.rejected] == [
        ("facts", acc),
        ("line_items", acc),
    ]
    assert all(f"names accession {other_acc}, not {acc}" in r.reason for r in result.rejected)
    logged = [one_line(r.getMessage()) for r in caplog.records if acc in r.getMessage()]
    assert len(logged) == 2
    after = lake.dump()
    after.pop("raw.filings"), before.pop("raw.filings")  # the catalog row's new sha256
    assert after == before  # its rows kept as they were; the other's not doubled


def test_alias_duplicates_are_removed_after_switching_back(lake: Lake, corpus_rows) -> None:
    before = lake.dump()
    catalog = list(lake.catalog().values())
    ticker, cik = corpus_rows[0]["ticker"], corpus_rows[0]["cik"]
    # EDGAR_COMPANIES=<ticker>,<its CIK>,...: every filing of that company catalogued and
    # parsed a second time under the CIK (files under ticker=<CIK>).
    alias = [{**f, "ticker": cik} for f in catalog if f["ticker"] == ticker]
    assert alias
    write_catalog(lake.settings, catalog + alias)
    for filing in alias:
        parse_filing(lake.settings, filing)
    load_from_settings(lake.settings)
    (n_facts,) = lake.query("SELECT count(*) FROM raw.facts")
    assert n_facts == (len(before["raw.facts"]),)  # one file per accession even then

    write_catalog(lake.settings, catalog)  # back to the tickers alone
    load_from_settings(lake.settings)

    assert lake.dump() == before
    assert lake.query("SELECT count(*) FROM raw.line_items WHERE ticker = ?", [cik]) == [(0,)]


# -- query: read-only for the warehouse and for everything else ----------------------------

REFUSED_STATEMENTS = {
    "copy-to": "COPY (SELECT 42 AS answer) TO '{tmp}/out.csv'",
    "read-text": "SELECT * FROM read_text('/etc/passwd')",
    "read-csv": "SELECT * FROM read_csv('/etc/passwd')",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "attach": "ATTACH '{tmp}/other.duckdb' AS other",
    "set": "SET enable_external_access = true",
    "unlock": "SET lock_configuration = false",
}


@pytest.mark.parametrize("statement", REFUSED_STATEMENTS.values(), ids=REFUSED_STATEMENTS)
def test_query_refuses_files_extensions_and_settings(
    lake_template: Lake, corpus: Path, tmp_path: Path, statement: str
) -> None:
    done = cli(["query", statement.format(tmp=tmp_path)], lake_template, corpus)
    assert done.returncode == 1, done.stdout + done.stderr
    line = one_line(done.stderr)
    assert line.startswith("query refused: ") and line.endswith(REFUSED_SUFFIX), line
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing attached


def test_query_still_answers_selects(lake_template: Lake, corpus: Path, corpus_rows) -> None:
    done = cli(["query", "SELECT count(*) AS filings FROM raw.filings"], lake_template, corpus)
    assert done.returncode == 0, done.stderr
    assert f"│ {len(corpus_rows):>7} │" in done.stdout


# -- a warehouse that cannot be opened -----------------------------------------------------


def _forge_storage_version(data: bytearray, version: int) -> None:
    """Write another storage version into DuckDB's main header, with a valid checksum."""
    data[12:20] = struct.pack("<Q", version)  # after the 8-byte checksum and "DUCK"
    checksum = 5381
    for (word,) in struct.iter_unpack("<Q", bytes(data[8:4096])):
        checksum ^= (word * 0xBF58476D1CE4E5B9) & 0xFFFF_FFFF_FFFF_FFFF
    data[0:8] = struct.pack("<Q", checksum)


def _facts_block_offset(path: Path) -> int:
    """Where in the file a block holding raw.facts data starts (after the 3 file headers)."""
    with duckdb.connect(str(path), read_only=True) as con:
        (block_size,) = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
        (block,) = con.execute(
            "SELECT max(block_id) FROM pragma_storage_info('raw.facts')"
        ).fetchone()
    return 3 * 4096 + block * block_size


def damage(path: Path, kind: str) -> bytes:
    data = bytearray(path.read_bytes())
    if kind == "flipped-bytes":  # in both database headers (checksummed)
        for at in (4096 + 16, 8192 + 16):
            data[at : at + 32] = bytes(b ^ 0xFF for b in data[at : at + 32])
    elif kind == "flipped-data-block":  # opens fine; a query reading that block fails
        at = _facts_block_offset(path) + 64
        data[at : at + 32] = bytes(b ^ 0xFF for b in data[at : at + 32])
    elif kind == "truncated":
        del data[len(data) // 2 :]
    else:  # written by a DuckDB of another storage version (v0.6's is 39)
        _forge_storage_version(data, 39)
    path.write_bytes(data)
    return bytes(data)


@pytest.mark.parametrize(
    "kind", ["flipped-bytes", "flipped-data-block", "truncated", "other-duckdb-version"]
)
def test_a_corrupt_snapshot_is_set_aside_and_rebuilt(
    lake: Lake, corpus: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = lake.dump()
    path = lake.settings.warehouse_path
    store = SnapshotStore(path)
    generation = store.served()
    stat = generation.stat()
    damaged = damage(generation, kind)
    if kind == "flipped-data-block":  # as if the bits rotted: size and mtime unchanged
        os.utime(generation, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    status = cli(["status"], lake, corpus)
    assert status.returncode == 1, status.stdout + status.stderr
    line = one_line(status.stderr)
    assert line.startswith(f"warehouse {path} (snapshot {generation.name}) cannot be opened (")
    assert line.endswith(
        "): `edgar-pipeline run --rebuild` builds a new snapshot from the Parquet files (or "
        "`edgar-pipeline rollback` serves the previous one now)"
    )
    if kind == "other-duckdb-version":
        assert "storage version number 39" in line

    with caplog.at_level("WARNING", logger="pipeline.warehouse"):
        result = load_from_settings(lake.settings, full_refresh=True)  # what the line says

    assert not result.incremental  # built from the Parquet lake, not on the damaged file
    (moved,) = store.directory.glob(f"{generation.name}.set-aside-*")
    assert moved.read_bytes() == damaged  # kept for a post-mortem
    assert store.previous() != generation
    logged = [r.getMessage() for r in caplog.records if "aside" in r.getMessage()]
    assert logged == [f"moved the changed snapshot {generation.name} aside to {moved.name}"]
    assert lake.dump() == before  # rebuilt from the Parquet files, every row
    assert cli(["status"], lake, corpus).returncode == 0


HOLD_OPEN = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write, as the `duckdb` CLI opens it
    print("HOLDING", flush=True)
    time.sleep(120)
    """
)


def test_a_warehouse_held_by_another_process_is_neither_waited_for_nor_rebuilt(
    lake: Lake,
) -> None:
    before = lake.dump()
    path = lake.settings.warehouse_path
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        result = load_from_settings(lake.settings, lock_timeout_s=1)
        assert result.incremental  # built on a copy of the held (unchanged) snapshot
        assert lake.dump() == before
    finally:
        holder.kill()
        holder.wait(timeout=30)


# -- a full disk ---------------------------------------------------------------------------

TMPFS_SIZE = "64m"


@dataclass(frozen=True)
class Disk:
    """Where the lake lives: a small tmpfs of its own when mounting is allowed."""

    path: Path
    is_tmpfs: bool


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Disk]:
    """A 64 MiB tmpfs at tmp_path/disk; a plain folder (ENOSPC injected) where not allowed."""
    with tmpfs(tmp_path / "disk", TMPFS_SIZE) as mounted:
        yield Disk(tmp_path / "disk", mounted)


def _inject_enospc(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_parquet_keeps_the_previous_files(
    lake_template: Lake, small_disk: Disk, corpus_rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = copy_lake(lake_template, small_disk.path)
    filing = lake.catalog()[newest(corpus_rows)["accession_number"]]
    before = lake.files()
    if small_disk.is_tmpfs:
        filler = fill(small_disk.path, 0)
    else:
        monkeypatch.setattr("pipeline.parquet_io.pq.write_table", _inject_enospc)

    with pytest.raises(DiskFullError) as raised:
        parse_filing(lake.settings, filing)

    facts = filing_file(lake.settings.facts_dir, filing["ticker"], filing["accession_number"])
    assert raised.value.errno == errno.ENOSPC
    assert one_line(str(raised.value)).startswith(f"{facts}: disk full while writing Parquet")
    assert lake.files() == before  # no half file, no temp file, the previous ones intact
    if small_disk.is_tmpfs:
        filler.unlink()
    else:
        monkeypatch.undo()
    parse_filing(lake.settings, filing)  # space freed: the next parse succeeds
    assert lake.files() == before  # and writes the same files again


@pytest.mark.parametrize("leave_bytes", [0, 1 << 20], ids=["nothing-left", "1MiB-left"])
def test_a_full_disk_while_loading_keeps_the_served_warehouse(
    lake_template: Lake, small_disk: Disk, corpus_rows, leave_bytes: int
) -> None:
    lake = copy_lake(lake_template, small_disk.path)
    before = lake.dump()
    gone = newest(corpus_rows)["accession_number"]  # so that the next load changes rows
    write_catalog(lake.settings, [f for a, f in lake.catalog().items() if a != gone])
    inject = {}
    if small_disk.is_tmpfs:
        filler = fill(small_disk.path, leave_bytes)
    else:

        def inject_on(step: str, _con: object) -> None:
            if step == "marts/capex_intensity.sql":
                _inject_enospc()

        inject = {"on_step": inject_on}

    with pytest.raises(WarehouseDiskFullError) as raised:
        load_from_settings(lake.settings, lock_timeout_s=10, **inject)

    path = lake.settings.warehouse_path
    assert one_line(str(raised.value)).startswith(
        f"warehouse {path}: disk full while building the next snapshot"
    )
    assert lake.dump() == before  # the served warehouse: every row as it was
    if small_disk.is_tmpfs:
        filler.unlink()
    load_from_settings(lake.settings, lock_timeout_s=10)  # space freed: the next load works
    after = lake.dump()
    assert lake.query("SELECT count(*) FROM raw.filings WHERE accession_number = ?", [gone]) == [
        (0,)
    ]
    assert [r for r in before["raw.line_items"] if gone not in r] == after["raw.line_items"]
