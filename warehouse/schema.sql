-- Schemas and raw tables. Raw tables mirror the Parquet contracts (pipeline/xbrl/schema.py;
-- catalog in pipeline/edgar/catalog.py) and are replaced by accession.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS raw.filings (
    ticker            VARCHAR NOT NULL,
    cik               VARCHAR NOT NULL,
    accession_number  VARCHAR NOT NULL PRIMARY KEY,
    form              VARCHAR NOT NULL,
    is_amendment      BOOLEAN NOT NULL,
    filing_date       DATE NOT NULL,
    period_of_report  DATE,
    fiscal_year_end   VARCHAR,
    path              VARCHAR,  -- null when the filing was never downloaded
    size_bytes        BIGINT,
    sha256            VARCHAR,   -- recorded when the file landed
    status            VARCHAR,   -- landed | download_failed | parse_failed
    error             VARCHAR    -- why, when it failed
);
-- Warehouses built before status and error were recorded gain the columns.
ALTER TABLE raw.filings ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE raw.filings ADD COLUMN IF NOT EXISTS error VARCHAR;

CREATE TABLE IF NOT EXISTS raw.facts (
    ticker            VARCHAR NOT NULL,
    cik               VARCHAR NOT NULL,
    accession_number  VARCHAR NOT NULL,
    form              VARCHAR NOT NULL,
    filing_date       DATE NOT NULL,
    concept           VARCHAR NOT NULL,
    namespace         VARCHAR NOT NULL,
    value             DECIMAL(38, 10),
    unit              VARCHAR,
    decimals          INTEGER,
    period_type       VARCHAR NOT NULL,
    period_start      DATE,
    period_end        DATE NOT NULL,
    dimensions        VARCHAR NOT NULL,
    context_id        VARCHAR NOT NULL,
    fact_id           VARCHAR,
    is_hidden         BOOLEAN NOT NULL,
    is_nil            BOOLEAN NOT NULL,
    is_conflict       BOOLEAN NOT NULL,
    flags             VARCHAR NOT NULL,
    source_document   VARCHAR NOT NULL,
    source_format     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.line_items (
    ticker            VARCHAR NOT NULL,
    cik               VARCHAR NOT NULL,
    accession_number  VARCHAR NOT NULL,
    form              VARCHAR NOT NULL,
    filing_date       DATE NOT NULL,
    line_item         VARCHAR NOT NULL,
    concept           VARCHAR NOT NULL,
    value             BIGINT,  -- whole USD; NULL when the concept's facts conflict

    unit              VARCHAR NOT NULL,
    decimals          INTEGER,
    period_start      DATE NOT NULL,
    period_end        DATE NOT NULL,
    fact_id           VARCHAR,
    context_id        VARCHAR NOT NULL
);

-- What each accession's facts and line items were loaded from: the next load stages only
-- catalog accessions whose (sha256, running parser version) is not recorded here.
CREATE TABLE IF NOT EXISTS raw.loaded_files (
    dataset           VARCHAR NOT NULL,  -- facts | line_items
    accession_number  VARCHAR NOT NULL,
    source_sha256     VARCHAR NOT NULL,  -- of the landed filing the file was parsed from
    parser_version    VARCHAR NOT NULL,  -- as recorded in the file ('' if none)
    path              VARCHAR NOT NULL,
    loaded_at         TIMESTAMP NOT NULL
);
