SELECT
  __period AS period,
  __value AS value,
  if(__hp = 1, __prev, NULL) AS previous_value,
  (__value - previous_value) / nullIf(abs(previous_value), 0) * 100 AS growth_pct,
  toDateTime(addMonths(__period, 3 * (1)), 'UTC') > __covered AS partial,
  concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through
FROM (
  SELECT
    __at AS __period,
    if(countIf(__cur = 1 AND isNotNull(__r_value)) > 0, anyIf(assumeNotNull(__r_value), __cur = 1 AND isNotNull(__r_value)), NULL) AS __value,
    if(countIf(__cur = 0 AND isNotNull(__r_value)) > 0, anyIf(assumeNotNull(__r_value), __cur = 0 AND isNotNull(__r_value)), NULL) AS __prev,
    max(__cur = 0) AS __hp,
    any(__r__t) AS __t,
    any(__r__covered) AS __covered
  FROM (
    SELECT __value AS __r_value, __t AS __r__t, __covered AS __r__covered, arrayJoin(arrayConcat([__period], arrayFilter((c, p) -> subtractYears(c, 1) = p, [addYears(__period, 1)], [__period]))) AS __at, __at = __period AS __cur
    FROM (
      SELECT __period, toFloat64(if(__h1 = 1, ifNull(__v1, 0), 0)) AS __value, __t, __covered
      FROM (
        SELECT __period, __t, __covered, __v1, __h1
        FROM (
          SELECT arrayJoin(__periods) AS __period, __t, __covered
          FROM (
            SELECT
              arrayFilter((p, t, f) -> ifNull(toDateTime(p, 'UTC') <= t, 0) AND ifNull(toDateTime(addMonths(p, 3 * (1)), 'UTC') > f, 0) AND toDateTime(p, 'UTC') < toDateTime('2025-01-01 00:00:00', 'UTC'), __all, arrayResize([__t], length(__all), __t), arrayResize([__f], length(__all), __f)) AS __periods,
              __t,
              __covered
            FROM (
              SELECT
                arrayMap(i -> addMonths(toDate('2023-01-01'), 3 * (i)), range(toUInt64(greatest(0, toRelativeQuarterNum(toDate('2025-01-01')) - toRelativeQuarterNum(toDate('2023-01-01')) + 1)))) AS __all,
                __t,
                __covered,
                __f
              FROM (
                SELECT 1 AS __one
              ) AS __s1
              CROSS JOIN (
                SELECT max(__t) AS __t, max(__c) AS __covered, min(__f) AS __f
                FROM (
                  SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c, __f
                  FROM (
                    SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t, if(count() > 0, min(toDateTime(`ts`, 'UTC')), NULL) AS __f
                    FROM `orders`
                    WHERE (status = 'paid')
                  ) AS __s2
                ) AS __s3
              ) AS __s4
            ) AS __s5
          ) AS __s6
        ) AS __s8
        ALL LEFT JOIN (
          SELECT __period, __v1, __h1
          FROM (
            SELECT
              toStartOfQuarter(toDateTime(`ts`, 'UTC')) AS __period,
              toFloat64(sum(toFloat64(amount))) AS __v1,
              1 AS __h1
            FROM `orders`
            WHERE (status = 'paid')
              AND toDateTime(`ts`, 'UTC') >= toDateTime('2023-01-01 00:00:00', 'UTC')
              AND toDateTime(`ts`, 'UTC') < toDateTime('2025-01-01 00:00:00', 'UTC')
            GROUP BY __period
          ) AS __s7
        ) AS __s9 USING (__period)
      ) AS __s10
    ) AS __s11
  ) AS __s12
  GROUP BY __at
  HAVING max(__cur) = 1
) AS __s13
WHERE __period >= toDate('2024-01-01')
ORDER BY period
