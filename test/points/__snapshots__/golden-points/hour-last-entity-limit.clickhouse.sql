SELECT
  concat(replaceOne(toString(__period), ' ', 'T'), 'Z') AS period,
  __value AS value
FROM (
  SELECT __period, toFloat64(if(__h1 = 1, __v1, NULL)) AS __value
  FROM (
    SELECT __period, if(arrayElement(__ns1, __i1) = 1, NULL, arrayElement(__vs1, __i1)) AS __v1, __i1 > 0 AS __h1
    FROM (
      SELECT arrayJoin(__periods) AS __period, indexOf(__ps1, __period) AS __i1, __vs1, __ns1
      FROM (
        SELECT __ps1, __vs1, __ns1, __periods
        FROM (
          SELECT arrayJoin(arrayEnumerate(__a__ps1)) AS __ci, arrayElement(__a__ps1, __ci) AS __ps1, arrayElement(__a__vs1, __ci) AS __vs1, arrayElement(__a__ns1, __ci) AS __ns1, __periods
          FROM (
            SELECT
              __all AS __periods,
              __a__ps1,
              __a__vs1,
              __a__ns1
            FROM (
              SELECT arrayMap((i, lo) -> addHours(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1))), __lo)) AS __all, __a__ps1, __a__vs1, __a__ns1
              FROM (
                SELECT __lo, __hi, __rows, __a__ps1, __a__vs1, __a__ns1
                FROM (
                  SELECT assumeNotNull(__plo) AS __lo, assumeNotNull(__phi) AS __hi, __pn AS __rows, __a__ps1, __a__vs1, __a__ns1
                  FROM (
                    SELECT groupArray(__ps1) AS __a__ps1, groupArray(__vs1) AS __a__vs1, groupArray(__ns1) AS __a__ns1, minIf(__clo, __cn > 0) AS __plo, maxIf(__chi, __cn > 0) AS __phi, sum(__cn) AS __pn
                    FROM (
                      SELECT
                        groupArrayIf(assumeNotNull(__period), isNotNull(__period)) AS __ps1,
                        groupArrayIf(ifNull(__v1, 0), isNotNull(__period)) AS __vs1,
                        groupArrayIf(materialize(isNull(__v1)), isNotNull(__period)) AS __ns1,
                        minIf(assumeNotNull(__period), isNotNull(__period)) AS __clo,
                        maxIf(assumeNotNull(__period), isNotNull(__period)) AS __chi,
                        countIf(isNotNull(__period)) AS __cn
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
                      ) AS __s1
                    ) AS __s2
                  ) AS __s3
                ) AS __s4
                WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeHourNum(__hi) - toRelativeHourNum(__lo) + 1))) > 200000) = 0
              ) AS __s5
            ) AS __s6
          ) AS __s7
        ) AS __s8
      ) AS __s9
    ) AS __s10
  ) AS __s11
) AS __s12
ORDER BY period
LIMIT 24
