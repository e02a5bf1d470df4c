SELECT
  __period AS period,
  __value AS value,
  toDateTime(addMonths(__period, 1), 'UTC') > __covered AS partial,
  concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through
FROM (
  SELECT __period, toFloat64(if(__h1 = 1, ifNull(__v1, 0), 0)) AS __value, __t, __covered
  FROM (
    SELECT __period, __t, __covered, __v1, __h1
    FROM (
      SELECT arrayJoin(__periods) AS __period, __t, __covered
      FROM (
        SELECT
          arrayFilter((p, t) -> ifNull(toDateTime(p, 'UTC') <= t, 0), __all, arrayResize([__t], length(__all), __t)) AS __periods,
          __t,
          __covered
        FROM (
          SELECT
            arrayMap((i, lo) -> addMonths(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(greatest(__hi, ifNull(toStartOfMonth(__t), __hi))) - toRelativeMonthNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(greatest(__hi, ifNull(toStartOfMonth(__t), __hi))) - toRelativeMonthNum(__lo) + 1))), __lo)) AS __all,
            __t,
            __covered
          FROM (
            SELECT __lo, __hi, __rows
            FROM (
              SELECT assumeNotNull(minIf(__plo, __pn > 0)) AS __lo, assumeNotNull(maxIf(__phi, __pn > 0)) AS __hi, sum(__pn) AS __rows
              FROM (
                SELECT min(toStartOfMonth(toDateTime(`ts`, 'UTC'))) AS __plo, max(toStartOfMonth(toDateTime(`ts`, 'UTC'))) AS __phi, count(toStartOfMonth(toDateTime(`ts`, 'UTC'))) AS __pn
                FROM `orders`
                WHERE `region` IS NOT NULL
              ) AS __s1
            ) AS __s2
            WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(__hi) - toRelativeMonthNum(__lo) + 1))) > 100000) = 0
          ) AS __s3
          CROSS JOIN (
            SELECT max(__t) AS __t, max(__c) AS __covered
            FROM (
              SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c
              FROM (
                SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t
                FROM `orders`
              ) AS __s4
            ) AS __s5
          ) AS __s6
        ) AS __s7
      ) AS __s8
    ) AS __s10
    ALL LEFT JOIN (
      SELECT __period, __v1, __h1
      FROM (
        SELECT
          toStartOfMonth(toDateTime(`ts`, 'UTC')) AS __period,
          toFloat64(uniqExact(customer)) AS __v1,
          1 AS __h1
        FROM `orders`
        WHERE `region` IS NOT NULL
        GROUP BY __period
      ) AS __s9
    ) AS __s11 USING (__period)
  ) AS __s12
) AS __s13
ORDER BY period
