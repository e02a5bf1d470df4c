SELECT
  __period AS period,
  if(__n1 = 1, NULL, __k1) AS `region`,
  __value AS value,
  toDateTime(addMonths(__period, 3 * (1))) > __covered AS partial,
  concat(replaceOne(toString(__t), ' ', 'T'), 'Z') AS data_through
FROM (
  SELECT __period, __k1, __n1, toFloat64(if(__h1 = 1, __v1, 0)) AS __value, __t, __covered
  FROM (
    SELECT __period, __t, __covered, __k1, __n1, __v1, __h1
    FROM (
      SELECT __period, __t, __covered, __k1, __n1
      FROM (
        SELECT arrayJoin(__periods) AS __period, __t, __covered
        FROM (
          SELECT
            arrayFilter((p, t) -> ifNull(toDateTime(p) <= t, 0) AND toDateTime(p) < toDateTime('2025-01-01 00:00:00'), __all, arrayResize([__t], length(__all), __t)) AS __periods,
            __t,
            __covered
          FROM (
            SELECT
              arrayMap(i -> addMonths(toDate('2024-01-01'), 3 * (i)), range(toUInt64(greatest(0, toRelativeQuarterNum(toDate('2025-01-01')) - toRelativeQuarterNum(toDate('2024-01-01')) + 1)))) AS __all,
              __t,
              __covered
            FROM (
              SELECT 1 AS __one
            )
            CROSS JOIN (
              SELECT max(__t) AS __t, max(__c) AS __covered
              FROM (
                SELECT __t, toDateTime(addMonths(toStartOfMonth(__t), 1)) AS __c
                FROM (
                  SELECT if(count() > 0, max(toDateTime(`month`)), NULL) AS __t
                  FROM `snaps`
                )
              )
            )
          )
        )
      )
      CROSS JOIN (
        SELECT DISTINCT __k1, __n1
        FROM (
          SELECT DISTINCT
            assumeNotNull(`region`) AS __k1,
            materialize(isNull(`region`)) AS __n1
          FROM `snaps`
          WHERE toDateTime(`month`) >= toDateTime('2024-01-01 00:00:00')
            AND toDateTime(`month`) < toDateTime('2025-01-01 00:00:00')
        )
      )
    )
    ALL LEFT JOIN (
      SELECT __period, __k1, __n1, __v1, __h1
      FROM (
        SELECT
          toStartOfQuarter(__sub) AS __period,
          __k1,
          __n1,
          __v1,
          __h1
        FROM (
          SELECT
            toStartOfMonth(`month`) AS __sub,
            assumeNotNull(`region`) AS __k1,
            materialize(isNull(`region`)) AS __n1,
            toFloat64(sum(toFloat64(mrr))) AS __v1,
            1 AS __h1
          FROM `snaps`
          WHERE toDateTime(`month`) >= toDateTime('2024-01-01 00:00:00')
            AND toDateTime(`month`) < toDateTime('2025-01-01 00:00:00')
          GROUP BY __sub, __k1, __n1
        )
        ALL INNER JOIN (
          SELECT __edge AS __sub
          FROM (
            SELECT max(__sub) AS __edge
            FROM (
              SELECT
                toStartOfMonth(`month`) AS __sub,
                assumeNotNull(`region`) AS __k1,
                materialize(isNull(`region`)) AS __n1,
                toFloat64(sum(toFloat64(mrr))) AS __v1,
                1 AS __h1
              FROM `snaps`
              WHERE toDateTime(`month`) >= toDateTime('2024-01-01 00:00:00')
                AND toDateTime(`month`) < toDateTime('2025-01-01 00:00:00')
              GROUP BY __sub, __k1, __n1
            )
            GROUP BY toStartOfQuarter(__sub)
          )
        ) USING (__sub)
      )
    ) USING (__period, __k1, __n1)
  )
)
ORDER BY period, `region`
