WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('week', "date") AS DATE) AS period,
    json_extract_string(dimensions, $1) AS "d1",
    CASE WHEN CAST(favg(value) AS DOUBLE) = 0 OR NOT isfinite(CAST(favg(value) AS DOUBLE)) THEN CAST(favg(value) AS DOUBLE) ELSE round(CAST(favg(value) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(favg(value) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "mc"."metricat"."metric_points"
  WHERE "date" < $2
    AND metric_key = $3
  GROUP BY ALL
),
bounds AS (
  SELECT min(period) AS lo, max(period) AS hi
  FROM m1
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST(lo AS TIMESTAMP), CAST($4 AS TIMESTAMP), INTERVAL '7 days')) AS DATE) AS period
    FROM bounds
    WHERE CASE WHEN date_diff('week', CAST(lo AS TIMESTAMP), CAST($4 AS TIMESTAMP)) > 200000 THEN error('the range holds more than 200000 week buckets; give --from and --to, or use a larger --bucket') ELSE true END
  )
),
combos AS (
  SELECT DISTINCT "d1" FROM m1
)
SELECT
  periods.period,
  combos."d1",
  m1.value AS value
FROM periods
CROSS JOIN combos
LEFT JOIN m1 ON m1.period = periods.period AND m1."d1" IS NOT DISTINCT FROM combos."d1"
ORDER BY periods.period, combos."d1"
-- params: ["/platform","2026-06-01","game.players","2026-06-01"]
