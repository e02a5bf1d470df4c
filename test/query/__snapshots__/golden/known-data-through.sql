WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('month', "ts") AS DATE) AS period,
    "channel" AS "channel",
    CASE WHEN CAST(fsum(amount) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(amount) AS DOUBLE)) THEN CAST(fsum(amount) AS DOUBLE) ELSE round(CAST(fsum(amount) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(amount) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "orders"
  WHERE (status = 'paid')
    AND "ts" >= $1
    AND "ts" < $2
    AND "channel" IN ($3, $4)
  GROUP BY ALL
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST($5 AS TIMESTAMP), CAST($6 AS TIMESTAMP), INTERVAL 1 MONTH)) AS DATE) AS period
  )
  WHERE CAST(period AS TIMESTAMP) <= CAST($7 AS TIMESTAMP)
    AND CAST(period AS TIMESTAMP) + INTERVAL 1 MONTH > CAST($8 AS TIMESTAMP)
),
combos AS (
  SELECT DISTINCT "channel" FROM m1
)
SELECT
  periods.period,
  combos."channel",
  coalesce(m1.value, 0) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL 1 MONTH > date_trunc('day', CAST($7 AS TIMESTAMP)) + INTERVAL 1 DAY AS partial,
  strftime(CAST($7 AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
CROSS JOIN combos
LEFT JOIN m1 ON m1.period = periods.period AND m1."channel" IS NOT DISTINCT FROM combos."channel"
ORDER BY periods.period, combos."channel"
-- params: ["2024-01-01","2025-01-01","web","partner","2024-01-01","2025-01-01","2024-03-05 10:00:00","2024-01-10 00:00:00"]
