WITH
m1_sub AS MATERIALIZED (
  SELECT
    CAST(date_trunc('month', "month") AS DATE) AS sub_period,
    "region" AS "region",
    CASE WHEN CAST(fsum(mrr) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(mrr) AS DOUBLE)) THEN CAST(fsum(mrr) AS DOUBLE) ELSE round(CAST(fsum(mrr) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(mrr) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "snaps"
  WHERE "month" >= $1
    AND "month" < $2
  GROUP BY ALL
),
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('quarter', sub_period) AS DATE) AS period,
    "region",
    value
  FROM m1_sub
  QUALIFY sub_period = max(sub_period) OVER (PARTITION BY CAST(date_trunc('quarter', sub_period) AS DATE))
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered, min(f) AS f
  FROM (
    SELECT t, date_trunc('month', t) + INTERVAL '1 month' AS covered, (SELECT CAST("month" AS TIMESTAMP) AS f FROM "snaps" ORDER BY "month" ASC NULLS LAST LIMIT 1) AS f FROM (SELECT CAST("month" AS TIMESTAMP) AS t FROM "snaps" ORDER BY "month" DESC NULLS LAST LIMIT 1)
  )
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST($3 AS TIMESTAMP), CAST($4 AS TIMESTAMP), INTERVAL '3 months')) AS DATE) AS period
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
    AND CAST(period AS TIMESTAMP) + INTERVAL '3 months' > (SELECT f FROM through)
),
combos AS (
  SELECT DISTINCT "region" FROM m1_sub
)
SELECT
  periods.period,
  combos."region",
  coalesce(m1.value, 0) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL '3 months' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
CROSS JOIN combos
LEFT JOIN m1 ON m1.period = periods.period AND m1."region" IS NOT DISTINCT FROM combos."region"
ORDER BY periods.period, combos."region"
-- params: ["2024-01-01","2025-01-01","2024-01-01","2025-01-01"]
