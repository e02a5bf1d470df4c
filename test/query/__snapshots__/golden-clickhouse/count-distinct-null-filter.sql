SELECT
  __period AS period,
  __value AS value,
  toDateTime(addMonths(__period, 1), 'UTC') > __covered AS partial,
  concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through
FROM (
  SELECT __period, toFloat64(if(__h1 = 1, ifNull(__v1, 0), 0)) AS __value, __t, __covered
  FROM (
    SELECT __period, __t, __covered, if(arrayElement(__ns1, __i1) = 1, NULL, arrayElement(__vs1, __i1)) AS __v1, __i1 > 0 AS __h1
    FROM (
      SELECT arrayJoin(__periods) AS __period, __t, __covered, indexOf(__ps1, __period) AS __i1, __vs1, __ns1
      FROM (
        SELECT __ps1, __vs1, __ns1, __periods, __t, __covered
        FROM (
          SELECT arrayJoin(arrayEnumerate(__a__ps1)) AS __ci, arrayElement(__a__ps1, __ci) AS __ps1, arrayElement(__a__vs1, __ci) AS __vs1, arrayElement(__a__ns1, __ci) AS __ns1, __periods, __t, __covered
          FROM (
            SELECT
              arrayFilter((p, t) -> ifNull(toDateTime(p, 'UTC') <= t, 0), __all, arrayResize([__t], length(__all), __t)) AS __periods,
              __t,
              __covered,
              __a__ps1,
              __a__vs1,
              __a__ns1
            FROM (
              SELECT
                arrayMap((i, lo) -> addMonths(lo, i), range(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(__hi) - toRelativeMonthNum(__lo) + 1)))), arrayResize([__lo], if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(__hi) - toRelativeMonthNum(__lo) + 1))), __lo)) AS __all,
                __t,
                __covered,
                __a__ps1,
                __a__vs1,
                __a__ns1
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
                          toStartOfMonth(toDateTime(`ts`, 'UTC')) AS __period,
                          toFloat64(uniqExact(customer)) AS __v1,
                          1 AS __h1
                        FROM `orders`
                        WHERE `region` IS NOT NULL
                        GROUP BY __period
                      ) AS __s1
                    ) AS __s2
                  ) AS __s3
                ) AS __s4
                WHERE throwIf(if(__rows = 0, toUInt64(0), toUInt64(greatest(0, toRelativeMonthNum(__hi) - toRelativeMonthNum(__lo) + 1))) > 100000) = 0
              ) AS __s5
              CROSS JOIN (
                SELECT max(__t) AS __t, max(__c) AS __covered
                FROM (
                  SELECT __t, toDateTime(toDate(__t) + 1, 'UTC') AS __c
                  FROM (
                    SELECT if(count() > 0, max(toDateTime(`ts`, 'UTC')), NULL) AS __t
                    FROM `orders`
                  ) AS __s6
                ) AS __s7
              ) AS __s8
            ) AS __s9
          ) AS __s10
        ) AS __s11
      ) AS __s12
    ) AS __s13
  ) AS __s14
) AS __s15
ORDER BY period
