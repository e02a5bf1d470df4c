import type {ChangeKind, MetricVersion} from '../catalog/repository.js'
import type {SearchHit} from '../catalog/search.js'
import type {MetricDefinition, StoredMetric} from '../catalog/types.js'
import type {CompiledQuery, MetricQuery, QueryResult} from '../query/types.js'
import type {ColumnUse, TableMapEntry} from './columns.js'
import type {DimensionValues, ImportOptions, ImportPlan, WriteOptions, YamlDocument} from './catalog.js'

/** A definition as `show` returns it: the current one, or a past version with its change. */
export type ShownMetric = StoredMetric | (MetricDefinition & {version: number; change: ChangeKind; changed_at: string})

export interface ExportedFile {
  path: string
  id: string
  yaml: string
}

/**
 * The catalog operations the commands call. `Catalog` runs them on the DuckDB file; `RemoteCatalog`
 * (src/cli/remote-catalog.ts) sends them to a running `metricat serve`, which calls `Catalog`, so a
 * command prints the same output and the same errors either way.
 */
export interface CatalogApi {
  list(options?: {category?: string}): Promise<StoredMetric[]>
  get(id: string): Promise<StoredMetric>
  show(id: string, version?: number): Promise<ShownMetric>
  history(id: string): Promise<MetricVersion[]>
  delete(id: string, options?: WriteOptions): Promise<{id: string; deleted: true}>
  putMetric(record: Record<string, unknown>, options?: WriteOptions & {category?: string}): Promise<{metric: StoredMetric; change: ChangeKind | null}>
  importPath(target: string, options?: ImportOptions): Promise<ImportPlan>
  importDocuments(documents: YamlDocument[], options?: ImportOptions): Promise<ImportPlan>
  diff(target: string): Promise<ImportPlan>
  exportMetrics(options?: {dir?: string; ids?: string[]}): Promise<ExportedFile[]>
  search(text: string): Promise<SearchHit[]>
  lookupSynonym(synonym: string): Promise<StoredMetric[]>
  lookupTable(table: string): Promise<StoredMetric[]>
  tables(): Promise<{table: string; metrics: string[]}[]>
  tableMap(): Promise<TableMapEntry[]>
  lookupColumn(column: string, table?: string): Promise<ColumnUse[]>
  dimensionValues(id: string, dimension: string, options?: {search?: string; limit?: number}): Promise<DimensionValues>
  compileQuery(query: MetricQuery): Promise<CompiledQuery>
  queryMetric(query: MetricQuery): Promise<QueryResult>
  close(): void
}
