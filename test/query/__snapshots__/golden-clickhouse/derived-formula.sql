SELECT
  __period AS period,
  __value AS value,
  toDateTime(addYears(__period, 1), 'UTC') > __covered AS partial,
  concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through
FROM (
  SELECT __period, toFloat64(((if(__h1 = 1, ifNull(__v1, 0), 0) + if(__h2 = 1, ifNull(__v2, 0), 0)) * 2) / nullIf(if(__h3 = 1, ifNull(__v3, 0), 0), 0)) AS __value, __t, __covered
  FROM (
    SELECT __period, __t, __covered, __v1, __h1, __v2, __h2, __v3, __h3
    FROM (
      SELECT __period, __t, __covered, __v1, __h1, __v2, __h2
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
                arrayMap((i, lo) -> addYears(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeYearNum(greatest(__hi, ifNull(toStartOfYear(__t), __hi))) - toRelativeYearNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeYearNum(greatest(__hi, ifNull(toStartOfYear(__t), __hi))) - toRelativeYearNum(__lo) + 1))), __lo)) AS __all,
                __t,
                __covered
              FROM (
                SELECT __lo, __hi, __rows
                FROM (
                  SELECT assumeNotNull(minIf(__plo, __pn > 0)) AS __lo, assumeNotNull(maxIf(__phi, __pn > 0)) AS __hi, sum(__pn) AS __rows
                  FROM (
                    SELECT min(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __plo, max(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __phi, count(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __pn
                    FROM `orders`
                    WHERE (status = 'paid')
                    UNION ALL
                    SELECT min(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __plo, max(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __phi, count(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __pn
                    FROM `orders`
                    WHERE (status = 'refunded')
                    UNION ALL
                    SELECT min(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __plo, max(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __phi, count(toStartOfYear(toDateTime(`ts`, 'UTC'))) AS __pn
                    FROM `orders`
                  ) AS __s1
                ) AS __s2
                WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeYearNum(__hi) - toRelativeYearNum(__lo) + 1))) > 100000) = 0
              ) AS __s3
              CROSS JOIN (
                SELECT max(__t) AS __t, max(__c) AS __covered
                FROM (
                  SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c
                  FROM (
                    SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t
                    FROM `orders`
                    WHERE (status = 'paid')
                  ) AS __s4
                  UNION ALL
                  SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c
                  FROM (
                    SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t
                    FROM `orders`
                    WHERE (status = 'refunded')
                  ) AS __s5
                  UNION ALL
                  SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c
                  FROM (
                    SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t
                    FROM `orders`
                  ) AS __s6
                ) AS __s7
              ) AS __s8
            ) AS __s9
          ) AS __s10
        ) AS __s12
        ALL LEFT JOIN (
          SELECT __period, __v1, __h1
          FROM (
            SELECT
              toStartOfYear(toDateTime(`ts`, 'UTC')) AS __period,
              toFloat64(sum(toFloat64(amount))) AS __v1,
              1 AS __h1
            FROM `orders`
            WHERE (status = 'paid')
            GROUP BY __period
          ) AS __s11
        ) AS __s13 USING (__period)
      ) AS __s15
      ALL LEFT JOIN (
        SELECT __period, __v2, __h2
        FROM (
          SELECT
            toStartOfYear(toDateTime(`ts`, 'UTC')) AS __period,
            toFloat64(sum(toFloat64(amount))) AS __v2,
            1 AS __h2
          FROM `orders`
          WHERE (status = 'refunded')
          GROUP BY __period
        ) AS __s14
      ) AS __s16 USING (__period)
    ) AS __s18
    ALL LEFT JOIN (
      SELECT __period, __v3, __h3
      FROM (
        SELECT
          toStartOfYear(toDateTime(`ts`, 'UTC')) AS __period,
          toFloat64(count()) AS __v3,
          1 AS __h3
        FROM `orders`
        GROUP BY __period
      ) AS __s17
    ) AS __s19 USING (__period)
  ) AS __s20
) AS __s21
ORDER BY period
