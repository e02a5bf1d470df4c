SELECT
  concat(replaceOne(toString(__period), ' ', 'T'), 'Z') AS period,
  __value AS value
FROM (
  SELECT __period, toFloat64(if(__h1 = 1, __v1, NULL)) AS __value, __first_kept
  FROM (
    SELECT __period, __first_kept, __v1, __h1
    FROM (
      SELECT arrayJoin(__periods) AS __period, __first_kept
      FROM (
        SELECT
          __all AS __periods,
          arrayElement(__periods, greatest(1, length(__periods) - 24 + 1)) AS __first_kept
        FROM (
          SELECT arrayMap((i, lo) -> addHours(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1))), __lo)) AS __all
          FROM (
            SELECT __lo, __hi, __rows
            FROM (
              SELECT assumeNotNull(minIf(__plo, __pn > 0)) AS __lo, assumeNotNull(maxIf(__phi, __pn > 0)) AS __hi, sum(__pn) AS __rows
              FROM (
                SELECT min(toStartOfHour(toDateTime(`date`, 'UTC'))) AS __plo, max(toStartOfHour(toDateTime(`date`, 'UTC'))) AS __phi, count(toStartOfHour(toDateTime(`date`, 'UTC'))) AS __pn
                FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
                  SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
                  FROM `metricat`.metric_points WHERE metric_key = 'game.players' AND entity_kind = 'game' AND entity_id = '7' AND granularity = 'hour'
                  GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
                ) AS __versions WHERE deleted = 0)
              ) AS __s1
            ) AS __s2
            WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1))) > 200000) = 0
          ) AS __s3
        ) AS __s4
      ) AS __s5
    ) AS __s7
    ALL LEFT JOIN (
      SELECT __period, __v1, __h1
      FROM (
        SELECT
          toStartOfHour(toDateTime(`date`, 'UTC')) AS __period,
          toFloat64(argMax(value, date_us)) AS __v1,
          1 AS __h1
        FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
          SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
          FROM `metricat`.metric_points WHERE metric_key = 'game.players' AND entity_kind = 'game' AND entity_id = '7' AND granularity = 'hour'
          GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
        ) AS __versions WHERE deleted = 0)
        GROUP BY __period
      ) AS __s6
    ) AS __s8 USING (__period)
  ) AS __s9
) AS __s10
WHERE __period >= __first_kept
ORDER BY period
