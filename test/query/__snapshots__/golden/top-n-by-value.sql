WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('month', "ts") AS DATE) AS period,
    "region" AS "region",
    CASE WHEN CAST(fsum(amount) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(amount) AS DOUBLE)) THEN CAST(fsum(amount) AS DOUBLE) ELSE round(CAST(fsum(amount) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(amount) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "orders"
  WHERE (status = 'paid')
    AND "ts" >= $1
    AND "ts" < $2
  GROUP BY ALL
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered, min(f) AS f
  FROM (
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered, (SELECT CAST("ts" AS TIMESTAMP) AS f FROM "orders" WHERE (status = 'paid') ORDER BY "ts" ASC NULLS LAST LIMIT 1) AS f FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" WHERE (status = 'paid') ORDER BY "ts" DESC NULLS LAST LIMIT 1)
  )
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST($3 AS TIMESTAMP), CAST($4 AS TIMESTAMP), INTERVAL '1 month')) AS DATE) AS period
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
    AND CAST(period AS TIMESTAMP) + INTERVAL '1 month' > (SELECT f FROM through)
),
combos AS (
  SELECT DISTINCT "region" FROM m1
)
SELECT
  periods.period,
  combos."region",
  coalesce(m1.value, 0) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL '1 month' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
CROSS JOIN combos
LEFT JOIN m1 ON m1.period = periods.period AND m1."region" IS NOT DISTINCT FROM combos."region"
ORDER BY value DESC NULLS LAST, periods.period, combos."region"
LIMIT 5
-- params: ["2024-03-01","2024-04-01","2024-03-01","2024-04-01"]
