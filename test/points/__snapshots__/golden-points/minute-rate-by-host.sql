WITH
m1 AS MATERIALIZED (
  SELECT period, "d1", value / (date_diff('millisecond', greatest(CAST(period AS TIMESTAMP), CAST($1 AS TIMESTAMP)), least(CAST(period AS TIMESTAMP) + INTERVAL '1 minute', CAST($2 AS TIMESTAMP))) / 1000.0) AS value
  FROM (
    SELECT
      date_trunc('minute', "date") AS period,
      json_extract_string(dimensions, $3) AS "d1",
      CASE WHEN CAST(fsum(value) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(value) AS DOUBLE)) THEN CAST(fsum(value) AS DOUBLE) ELSE round(CAST(fsum(value) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(value) AS DOUBLE)))) AS INTEGER)) END AS value
    FROM "mc"."metricat"."metric_points"
    WHERE "date" >= CAST($4 AS TIMESTAMP)
      AND "date" < CAST($5 AS TIMESTAMP)
      AND metric_key = $6
    GROUP BY ALL
  )
),
periods AS (
  SELECT period FROM (
    SELECT unnest(range(CAST($7 AS TIMESTAMP), CAST($8 AS TIMESTAMP), INTERVAL '1 minute')) AS period
  )
),
combos AS (
  SELECT DISTINCT "d1" FROM m1
)
SELECT
  strftime(periods.period, '%Y-%m-%dT%H:%M:%SZ') AS period,
  combos."d1",
  coalesce(m1.value, 0) AS value
FROM periods
CROSS JOIN combos
LEFT JOIN m1 ON m1.period = periods.period AND m1."d1" IS NOT DISTINCT FROM combos."d1"
ORDER BY periods.period, combos."d1"
-- params: ["2026-05-01 10:00:30","2026-05-01 10:05:00","/host","2026-05-01 10:00:30","2026-05-01 10:05:00","api.requests","2026-05-01 10:00:00","2026-05-01 10:05:00"]
