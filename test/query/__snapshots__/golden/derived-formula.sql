WITH
m1 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('year', "ts") AS DATE) AS period,
    CASE WHEN CAST(fsum(amount) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(amount) AS DOUBLE)) THEN CAST(fsum(amount) AS DOUBLE) ELSE round(CAST(fsum(amount) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(amount) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "orders"
  WHERE (status = 'paid')
  GROUP BY ALL
),
m2 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('year', "ts") AS DATE) AS period,
    CASE WHEN CAST(fsum(amount) AS DOUBLE) = 0 OR NOT isfinite(CAST(fsum(amount) AS DOUBLE)) THEN CAST(fsum(amount) AS DOUBLE) ELSE round(CAST(fsum(amount) AS DOUBLE), 13 - CAST(floor(log10(abs(CAST(fsum(amount) AS DOUBLE)))) AS INTEGER)) END AS value
  FROM "orders"
  WHERE (status = 'refunded')
  GROUP BY ALL
),
m3 AS MATERIALIZED (
  SELECT
    CAST(date_trunc('year', "ts") AS DATE) AS period,
    CAST(count(*) AS DOUBLE) AS value
  FROM "orders"
  GROUP BY ALL
),
through AS MATERIALIZED (
  SELECT max(t) AS t, max(covered) AS covered
  FROM (
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" WHERE (status = 'paid') ORDER BY "ts" DESC NULLS LAST LIMIT 1)
    UNION ALL
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" WHERE (status = 'refunded') ORDER BY "ts" DESC NULLS LAST LIMIT 1)
    UNION ALL
    SELECT t, date_trunc('day', t) + INTERVAL '1 day' AS covered FROM (SELECT CAST("ts" AS TIMESTAMP) AS t FROM "orders" ORDER BY "ts" DESC NULLS LAST LIMIT 1)
  )
),
bounds AS (
  SELECT min(period) AS lo, max(period) AS hi
  FROM (
    SELECT period FROM m1
    UNION ALL
    SELECT period FROM m2
    UNION ALL
    SELECT period FROM m3
  )
),
periods AS (
  SELECT period FROM (
    SELECT CAST(unnest(range(CAST(lo AS TIMESTAMP), CAST(date_trunc('year', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '1 year', INTERVAL '1 year')) AS DATE) AS period
    FROM bounds
    WHERE CASE WHEN date_diff('year', CAST(lo AS TIMESTAMP), CAST(date_trunc('year', (SELECT t FROM through)) AS TIMESTAMP) + INTERVAL '1 year') > 100000 THEN error('the range spans more than 100000 year periods; give --from and --to, or use a coarser --grain') ELSE true END
  )
  WHERE CAST(period AS TIMESTAMP) <= (SELECT t FROM through)
)
SELECT
  periods.period,
  CAST(((coalesce(m1.value, 0) + coalesce(m2.value, 0)) * 2) / NULLIF(coalesce(m3.value, 0), 0) AS DOUBLE) AS value,
  CAST(periods.period AS TIMESTAMP) + INTERVAL '1 year' > (SELECT covered FROM through) AS partial,
  strftime((SELECT t FROM through), '%Y-%m-%dT%H:%M:%SZ') AS data_through
FROM periods
LEFT JOIN m1 ON m1.period = periods.period
LEFT JOIN m2 ON m2.period = periods.period
LEFT JOIN m3 ON m3.period = periods.period
ORDER BY periods.period
-- params: []
