WITH
m1 AS MATERIALIZED (
  SELECT
    json_extract_string(dimensions, $1) AS "d1",
    CAST(quantile_cont(value, 0.9) AS DOUBLE) AS value
  FROM "mc"."metricat"."metric_points"
  WHERE metric_key = $2
    AND json_extract_string(dimensions, $3) IN ($4, $5)
  GROUP BY ALL
)
SELECT
  "d1",
  m1.value AS value
FROM m1
ORDER BY "d1"
-- params: ["/region","api.latency","/platform","web","ios"]
