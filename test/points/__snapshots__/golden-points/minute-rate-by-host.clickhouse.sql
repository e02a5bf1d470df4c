SELECT
  concat(replaceOne(toString(__period), ' ', 'T'), 'Z') AS period,
  if(__n1 = 1, NULL, __k1) AS `d1`,
  __value AS value
FROM (
  SELECT __period, __k1, __n1, toFloat64(if(__h1 = 1, ifNull(__v1, 0), 0)) AS __value
  FROM (
    SELECT __period, __k1, __n1, __v1, __h1
    FROM (
      SELECT __period, __k1, __n1
      FROM (
        SELECT arrayJoin(__periods) AS __period
        FROM (
          SELECT
            arrayFilter(p -> toDateTime(p, 'UTC') < toDateTime('2026-05-01 10:05:00', 'UTC'), __all) AS __periods
          FROM (
            SELECT arrayMap(i -> addMinutes(toDateTime('2026-05-01 10:00:00', 'UTC'), i), range(toUInt64(greatest(0, toRelativeMinuteNum(toDateTime('2026-05-01 10:05:00', 'UTC')) - toRelativeMinuteNum(toDateTime('2026-05-01 10:00:00', 'UTC')) + 1)))) AS __all
            FROM (
              SELECT 1 AS __one
            ) AS __s1
          ) AS __s2
        ) AS __s3
      ) AS __s4
      CROSS JOIN (
        SELECT DISTINCT __k1, __n1
        FROM (
          SELECT DISTINCT
            assumeNotNull(if(has(dim_keys, 'host'), dim_values[indexOf(dim_keys, 'host')], NULL)) AS __k1,
            materialize(isNull(if(has(dim_keys, 'host'), dim_values[indexOf(dim_keys, 'host')], NULL))) AS __n1
          FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
            SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
            FROM `metricat`.metric_points WHERE metric_key = 'api.requests'
            GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
          ) AS __versions WHERE deleted = 0)
          WHERE date_us >= 1777629630000000
            AND date_us < 1777629900000000
        ) AS __s5
      ) AS __s6
    ) AS __s8
    ALL LEFT JOIN (
      SELECT __period, __k1, __n1, __v1, __h1
      FROM (
        SELECT
          toStartOfMinute(toDateTime(`date`, 'UTC')) AS __period,
          assumeNotNull(if(has(dim_keys, 'host'), dim_values[indexOf(dim_keys, 'host')], NULL)) AS __k1,
          materialize(isNull(if(has(dim_keys, 'host'), dim_values[indexOf(dim_keys, 'host')], NULL))) AS __n1,
          toFloat64(sum(toFloat64(value))) / ((intDiv(least(toUInt64(addMinutes(__period, 1)) * 1000000, 1777629900000000), 1000) - intDiv(greatest(toUInt64(__period) * 1000000, 1777629630000000), 1000)) / 1000) AS __v1,
          1 AS __h1
        FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
          SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
          FROM `metricat`.metric_points WHERE metric_key = 'api.requests'
          GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
        ) AS __versions WHERE deleted = 0)
        WHERE date_us >= 1777629630000000
          AND date_us < 1777629900000000
        GROUP BY __period, __k1, __n1
      ) AS __s7
    ) AS __s9 USING (__period, __k1, __n1)
  ) AS __s10
) AS __s11
ORDER BY period, `d1`
