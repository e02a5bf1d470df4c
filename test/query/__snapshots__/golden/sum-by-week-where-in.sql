WITH
m1 AS MATERIALIZED (
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
bounds AS (
  SELECT min(period) AS lo, max(period) AS hi
  FROM m1
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST(lo AS TIMESTAMP), CAST(date_trunc('week', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '7 days', INTERVAL '7 days')) AS DATE) AS period
    FROM bounds
    WHERE CASE WHEN date_diff('week', CAST(lo AS TIMESTAMP), CAST(date_trunc('week', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '7 days') > 100000 THEN error('the range spans more than 100000 week periods; give --from and --to, or use a coarser --grain') ELSE true END
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
)
SELECT
  periods.period,
  coalesce(m1.value, 0) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL '7 days' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
LEFT JOIN m1 ON m1.period = periods.period
ORDER BY periods.period
-- params: ["web","partner"]
