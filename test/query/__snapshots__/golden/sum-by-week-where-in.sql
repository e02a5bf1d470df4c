WITH
m1 AS (
  SELECT
    CAST(date_trunc('week', "ts") AS DATE) AS period,
    CASE WHEN CAST(fsum(amount) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(amount) AS DOUBLE)) THEN CAST(fsum(amount) AS DOUBLE) ELSE round(CAST(fsum(amount) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(amount) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "orders"
  WHERE (status = 'paid')
    AND (lower(channel)) IN ($1, $2)
  GROUP BY ALL
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered
  FROM (
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" WHERE (status = 'paid') ORDER BY "ts" DESC NULLS LAST LIMIT 1)
  )
),
runs AS (
  SELECT
    period AS __at,
    value,
    lead(period) OVER (ORDER BY period) AS __next,
    min(period) OVER () AS __lo,
    max(period) OVER () AS __hi
  FROM m1
),
grid AS (
  SELECT * FROM (
    SELECT
      CAST(unnest(range(CAST(__at AS TIMESTAMP), CASE WHEN date_diff('week', CAST(__lo AS TIMESTAMP), CAST(__hi AS TIMESTAMP) + INTERVAL '7 days') > 100000 THEN error('the range spans more than 100000 week periods; give --from and --to, or use a coarser --grain') ELSE coalesce(CAST(__next AS TIMESTAMP), CAST(__hi AS TIMESTAMP) + INTERVAL '7 days') END, INTERVAL '7 days')) AS DATE) AS period,
      __at,
      value
    FROM runs
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
)
SELECT
  grid.period,
  coalesce(CASE WHEN grid.period = grid.__at THEN grid.value END, 0) AS value,
  CAST(grid.period AS TIMESTAMP) + INTERVAL '7 days' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM grid
ORDER BY grid.period
-- params: ["web","partner"]
