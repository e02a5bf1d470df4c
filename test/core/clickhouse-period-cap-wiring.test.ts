// A metric query on ClickHouse whose series would pass the period cap fails in the SQL's throwIf;
// Catalog turns that error into the words the DuckDB SQL uses (src/query/plan.ts
// clickhousePeriodCap). No server here: the warehouse's stream fails as ClickHouse would
// (src/warehouse/clickhouse.ts words a server error as "ClickHouse error CODE: ..."), so what is
// checked is the wiring in Catalog, with the grain the query asked for.
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {type Catalog, openCatalog} from '../../src/core/catalog.js'
import {CatalogError} from '../../src/errors.js'
import {ClickHouseWarehouse} from '../../src/warehouse/clickhouse.js'
import {demoDatabase, tempDir} from '../helpers.js'

const tmp = tempDir()
let catalog: Catalog
beforeAll(async () => {
  catalog = await openCatalog({db: await demoDatabase(tmp.dir), readOnly: true, warehouse: 'clickhouse://127.0.0.1:1/analytics'})
})
afterAll(() => {
  catalog?.close()
  tmp.cleanup()
})

describe('a ClickHouse metric query that hits the period cap', () => {
  it('says the range is too long for the grain asked, not the raw throwIf error', async () => {
    const warehouse = catalog.warehouse as ClickHouseWarehouse
    const stream = vi.spyOn(warehouse, 'stream').mockRejectedValue(new Error("ClickHouse error 395: Value passed to 'throwIf' function is non zero"))
    try {
      const error = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'day'}).catch((e: unknown) => e)
      expect(stream).toHaveBeenCalled()
      expect(error).toBeInstanceOf(CatalogError)
      expect((error as CatalogError).code).toBe('QUERY_FAILED')
      expect((error as Error).message).toBe('query of revenue/total_revenue failed: the range spans more than 100000 day periods; give --from and --to, or use a coarser --grain')
      // any other warehouse error is passed on as it was
      stream.mockRejectedValue(new Error('ClickHouse error 47: Unknown identifier: amount'))
      const other = await catalog.queryMetric({metric: 'revenue/total_revenue', grain: 'day'}).catch((e: unknown) => e)
      expect((other as Error).message).toMatch(/^query of revenue\/total_revenue failed: ClickHouse error 47: Unknown identifier: amount/)
    } finally {
      stream.mockRestore()
    }
  })
})
