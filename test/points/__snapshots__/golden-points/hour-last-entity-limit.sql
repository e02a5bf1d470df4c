WITH
m1 AS MATERIALIZED (
  SELECT
    date_trunc('hour', "date") AS period,
    CAST(arg_max(value, "date") AS DOUBLE) AS value
  FROM "mc"."metricat"."metric_points"
  WHERE metric_key = $1
    AND entity_kind = $2
    AND entity_id = $3
    AND granularity = $4
  GROUP BY ALL
),
bounds AS (
  SELECT min(period) AS lo, max(period) AS hi
  FROM m1
),
periods AS (
  SELECT period FROM (
    SELECT unnest(range(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP) + INTERVAL '1 hour', INTERVAL '1 hour')) AS period
    FROM bounds
    WHERE CASE WHEN date_diff('hour', CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP) + INTERVAL '1 hour') > 200000 THEN error('the range holds more than 200000 hour buckets; give --from and --to, or use a larger --bucket') ELSE true END
  )
)
SELECT
  strftime(periods.period, '%Y-%m-%dT%H:%M:%SZ') AS period,
  m1.value AS value
FROM periods
LEFT JOIN m1 ON m1.period = periods.period
QUALIFY dense_rank() OVER (ORDER BY periods.period DESC) <= 24
ORDER BY periods.period
-- params: ["game.players","game","7","hour"]
