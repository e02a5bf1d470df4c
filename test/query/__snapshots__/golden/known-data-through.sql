WITH
m1 AS (
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
runs AS (
  SELECT
    period AS __at,
    "channel",
    value,
    lead(period) OVER (PARTITION BY "channel" ORDER BY period) AS __next,
    lag(period) OVER (PARTITION BY "channel" ORDER BY period) IS NULL AS __first
  FROM m1
),
grid AS (
  SELECT
    CAST(unnest(range(CASE WHEN __first THEN CAST($5 AS TIMESTAMP) ELSE CAST(__at AS TIMESTAMP) END, coalesce(CAST(__next AS TIMESTAMP), CAST($6 AS TIMESTAMP)), INTERVAL '1 month')) AS DATE) AS period,
    "channel",
    __at,
    value
  FROM runs
)
SELECT
  grid.period,
  grid."channel",
  coalesce(CASE WHEN grid.period = grid.__at THEN grid.value END, 0) AS value,
  grid.period >= CAST($7 AS DATE) AS partial,
  strftime(CAST($8 AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM grid
ORDER BY grid.period, grid."channel"
-- params: ["2024-01-01","2025-01-01","web","partner","2024-01-01","2024-04-01","2024-03-01","2024-03-05 10:00:00"]
