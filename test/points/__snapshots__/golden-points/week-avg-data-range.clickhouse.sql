SELECT
  __period AS period,
  if(__n1 = 1, NULL, __k1) AS `d1`,
  __value AS value
FROM (
  SELECT __period, __k1, __n1, toFloat64(if(__h1 = 1, __v1, NULL)) AS __value
  FROM (
    SELECT __period, __k1, __n1, __v1, __h1
    FROM (
      SELECT __period, __k1, __n1
      FROM (
        SELECT arrayJoin(__periods) AS __period
        FROM (
          SELECT
            arrayFilter(p -> toDateTime(p, 'UTC') < toDateTime('2026-06-01 00:00:00', 'UTC'), __all) AS __periods
          FROM (
            SELECT arrayMap((i, lo) -> addWeeks(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeWeekNum(toDate('2026-06-01')) - toRelativeWeekNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeWeekNum(toDate('2026-06-01')) - toRelativeWeekNum(__lo) + 1))), __lo)) AS __all
            FROM (
              SELECT __lo, __hi, __rows
              FROM (
                SELECT assumeNotNull(minIf(__plo, __pn > 0)) AS __lo, assumeNotNull(maxIf(__phi, __pn > 0)) AS __hi, sum(__pn) AS __rows
                FROM (
                  SELECT min(toMonday(toDateTime(`date`, 'UTC'))) AS __plo, max(toMonday(toDateTime(`date`, 'UTC'))) AS __phi, count(toMonday(toDateTime(`date`, 'UTC'))) AS __pn
                  FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
                    SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
                    FROM `metricat`.metric_points WHERE metric_key = 'game.players'
                    GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
                  ) AS __versions WHERE deleted = 0)
                  WHERE date_us < 1780272000000000
                ) AS __s1
              ) AS __s2
              WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeWeekNum(toDate('2026-06-01')) - toRelativeWeekNum(__lo) + 1))) > 200000) = 0
            ) AS __s3
          ) AS __s4
        ) AS __s5
      ) AS __s6
      CROSS JOIN (
        SELECT DISTINCT __k1, __n1
        FROM (
          SELECT DISTINCT
            assumeNotNull(if(has(dim_keys, 'platform'), dim_values[indexOf(dim_keys, 'platform')], NULL)) AS __k1,
            materialize(isNull(if(has(dim_keys, 'platform'), dim_values[indexOf(dim_keys, 'platform')], NULL))) AS __n1
          FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
            SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
            FROM `metricat`.metric_points WHERE metric_key = 'game.players'
            GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
          ) AS __versions WHERE deleted = 0)
          WHERE date_us < 1780272000000000
        ) AS __s7
      ) AS __s8
    ) AS __s10
    ALL LEFT JOIN (
      SELECT __period, __k1, __n1, __v1, __h1
      FROM (
        SELECT
          toMonday(toDateTime(`date`, 'UTC')) AS __period,
          assumeNotNull(if(has(dim_keys, 'platform'), dim_values[indexOf(dim_keys, 'platform')], NULL)) AS __k1,
          materialize(isNull(if(has(dim_keys, 'platform'), dim_values[indexOf(dim_keys, 'platform')], NULL))) AS __n1,
          toFloat64(if(count(value) = 0, NULL, sum(toFloat64(value)) / count(value))) AS __v1,
          1 AS __h1
        FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
          SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
          FROM `metricat`.metric_points WHERE metric_key = 'game.players'
          GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
        ) AS __versions WHERE deleted = 0)
        WHERE date_us < 1780272000000000
        GROUP BY __period, __k1, __n1
      ) AS __s9
    ) AS __s11 USING (__period, __k1, __n1)
  ) AS __s12
) AS __s13
ORDER BY period, `d1`
