-- marts.whole_dollars(value, what): a USD amount as BIGINT (exact whole dollars), NULL as
-- NULL; a value with cents stops the build with an error naming ``what`` (never rounded).
CREATE OR REPLACE MACRO marts.whole_dollars(v, what) AS
    CASE
        WHEN v IS NULL THEN NULL
        WHEN v = trunc(v) THEN CAST(v AS BIGINT)
        ELSE error(what || ' is ' || v || ' USD, not whole dollars: the marts keep USD as BIGINT')
    END;
