WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('month', "date") AS DATE) AS period,
    json_extract_string(dimensions, '/platform') AS "platform",
    CASE WHEN CAST(fsum(value) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(value) AS DOUBLE)) THEN CAST(fsum(value) AS DOUBLE) ELSE round(CAST(fsum(value) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(value) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "mc"."metricat"."metric_points"
  WHERE (metric_key = 'game.players')
    AND "date" >= $1
    AND "date" < $2
    AND json_extract_string(dimensions, '/platform') IN ($3, $4)
  GROUP BY ALL
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered, min(f) AS f
  FROM (
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered, (SELECT CAST("date" AS TIMESTAMP) AS f FROM "mc"."metricat"."metric_points" WHERE (metric_key = 'game.players') ORDER BY "date" ASC NULLS LAST LIMIT 1) AS f FROM (SELECT CAST("date" AS TIMESTAMP) AS t FROM "mc"."metricat"."metric_points" WHERE (metric_key = 'game.players') ORDER BY "date" DESC NULLS LAST LIMIT 1)
  )
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST($5 AS TIMESTAMP), CAST($6 AS TIMESTAMP), INTERVAL '1 month')) AS DATE) AS period
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
    AND CAST(period AS TIMESTAMP) + INTERVAL '1 month' > (SELECT f FROM through)
),
combos AS (
  SELECT DISTINCT "platform" FROM m1
),
filled AS MATERIALIZED (
  SELECT
    periods.period,
    combos."platform",
    coalesce(m1.value, 0) AS value
  FROM periods
  CROSS JOIN combos
  LEFT JOIN m1 ON m1.period = periods.period AND m1."platform" IS NOT DISTINCT FROM combos."platform"
)
SELECT
  cur.period,
  cur."platform",
  cur.value,
  prev.value AS previous_value,
  (cur.value - prev.value) / NULLIF(abs(prev.value), 0) * 100 AS growth_pct,
  CAST(cur.period AS TIMESTAMP) + INTERVAL '1 month' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM filled AS cur
LEFT JOIN filled AS prev ON prev.period = CAST(cur.period - INTERVAL '1 month' AS DATE) AND prev."platform" IS NOT DISTINCT FROM cur."platform"
WHERE cur.period >= CAST($7 AS DATE)
ORDER BY cur.period, cur."platform"
-- params: ["2025-12-01","2026-04-01","steam","epic","2025-12-01","2026-04-01","2026-01-01"]
