WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('day', "ts") AS DATE) AS period,
    CAST(count(*) AS DOUBLE) AS value
  FROM "orders"
  GROUP BY ALL
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered
  FROM (
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" ORDER BY "ts" DESC NULLS LAST LIMIT 1)
  )
),
bounds AS (
  SELECT min(period) AS lo, max(period) AS hi
  FROM m1
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST(lo AS TIMESTAMP), CAST(date_trunc('day', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '1 day', INTERVAL '1 day')) AS DATE) AS period
    FROM bounds
    WHERE CASE WHEN date_diff('day', CAST(lo AS TIMESTAMP), CAST(date_trunc('day', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '1 day') > 100000 THEN error('the range spans more than 100000 day periods; give --from and --to, or use a coarser --grain') ELSE true END
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
)
SELECT
  periods.period,
  coalesce(m1.value, 0) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL '1 day' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
LEFT JOIN m1 ON m1.period = periods.period
QUALIFY dense_rank() OVER (ORDER BY periods.period DESC) <= 7
ORDER BY periods.period
-- params: []
