import {DuckDBInstance} from '@duckdb/node-api'
const inst = await DuckDBInstance.create('/tmp/q3db/orders.duckdb'); const con = await inst.connect()
await con.run(`CREATE TABLE orders AS
      SELECT i AS order_id,
        TIMESTAMP '2023-01-01' + to_seconds((hash(i, 't') % (3 * 365 * 86400))::BIGINT) AS ordered_at,
        (hash(i, 'c') % 200000)::BIGINT AS customer_id,
        ['EU', 'NA', 'APAC', 'LATAM'][1 + (hash(i, 'r') % 4)::INTEGER] AS region,
        ['web', 'partner', 'sales', 'app'][1 + (hash(i, 'ch') % 4)::INTEGER] AS channel,
        CAST(5 + (hash(i, 'a') % 50000) / 100.0 AS DOUBLE) AS amount,
        CASE WHEN hash(i, 's') % 20 = 0 THEN 'refunded' ELSE 'completed' END AS status
      FROM range(10000000) AS t(i)`)
con.closeSync(); inst.closeSync()
