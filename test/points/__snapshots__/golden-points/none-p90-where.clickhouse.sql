SELECT
  if(__n1 = 1, NULL, __k1) AS `d1`,
  __v1 AS value
FROM (
  SELECT
    assumeNotNull(if(has(dim_keys, 'region'), dim_values[indexOf(dim_keys, 'region')], NULL)) AS __k1,
    materialize(isNull(if(has(dim_keys, 'region'), dim_values[indexOf(dim_keys, 'region')], NULL))) AS __n1,
    toFloat64(if(count() = 0, NULL, if(length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) = 0, NULL, arrayElement(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value))), toUInt64(floor(((length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) - 1) * 0.9))) + 1) + (((length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) - 1) * 0.9) - floor(((length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) - 1) * 0.9))) * (arrayElement(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value))), toUInt64(ceil(((length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) - 1) * 0.9))) + 1) - arrayElement(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value))), toUInt64(floor(((length(arraySort(groupArrayIf(toFloat64(assumeNotNull(value)), isNotNull(value)))) - 1) * 0.9))) + 1))))) AS __v1
  FROM (SELECT toDateTime(intDiv(date_us, 1000000), 'UTC') AS `date`, date_us, value, dim_keys, dim_values FROM (
    SELECT date_us, argMax(value, version) AS value, argMax(dim_keys, version) AS dim_keys, argMax(dim_values, version) AS dim_values, argMax(deleted, version) AS deleted
    FROM `metricat`.metric_points WHERE metric_key = 'api.latency'
    GROUP BY metric_key, data_source_id, entity_kind, entity_id, granularity, date_us, dimensions
  ) AS __versions WHERE deleted = 0)
  WHERE if(has(dim_keys, 'platform'), dim_values[indexOf(dim_keys, 'platform')], NULL) IN ('web', 'ios')
  GROUP BY __k1, __n1
) AS __s1
ORDER BY `d1`
