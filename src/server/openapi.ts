import {readFileSync} from 'node:fs'

import {schemaPath} from '../catalog/schema.js'
import {POINTS_QUERY_SCHEMA, RUN_REPORT_SCHEMA} from '../core/points.js'
import {IMPORT_REQUEST_SCHEMA, INGEST_REQUEST_SCHEMA, QUERY_REQUEST_SCHEMA, TOKEN_REQUEST_SCHEMA} from '../core/requests.js'
import {ROLES} from '../core/tokens.js'

type Json = Record<string, unknown>

const ref = (name: string) => ({$ref: `#/components/schemas/${name}`})
const json = (schema: Json, description = 'OK') => ({description, content: {'application/json': {schema}}})
const jsonBody = (schema: Json, description?: string) => ({required: true, ...(description ? {description} : {}), content: {'application/json': {schema}}})
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), {$ref: `#/components/responses/E${s}`}]))
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'metric id `<category>/<name>`: the slash may stay as is (`revenue/mrr`) or be encoded (`revenue%2Fmrr`); a former id (alias) works too',
  schema: {type: 'string'},
}
const q = (name: string, description: string, schema: Json = {type: 'string'}) => ({name, in: 'query', required: false, description, schema})

const READ = 'read: any token with role admin or analyst; no token under `--public-read`'
const QUERY = 'query: role admin or analyst'
const ADMIN = 'admin: role admin'
const INGEST = 'ingest: role service or admin'

let cached: Json | undefined

/** GET /api/openapi.json: every route, parameter and body of the API (OpenAPI 3.1). */
export function openApiDocument(): Json {
  cached ??= build()
  return cached
}

function build(): Json {
  const metricSchema = JSON.parse(readFileSync(schemaPath('metric.schema.json'), 'utf8')) as Json
  delete metricSchema.$schema
  const pointSchema = JSON.parse(readFileSync(schemaPath('point.schema.json'), 'utf8')) as Json
  delete pointSchema.$schema
  const op = (summary: string, access: string, responses: Json, extra: Json = {}) => ({
    summary,
    description: `Access: ${access}.`,
    ...extra,
    responses,
  })
  const pointsQuery = op('Bucket and aggregate the points of one key (same as `metricat points`)', QUERY, {200: json(ref('PointsResult')), ...errors(400, 401, 403, 413, 422)}, {
    requestBody: jsonBody(ref('PointsQuery')),
  })
  const dataSources = {
    get: op('Registered data sources (the command only for an admin token)', READ, {200: json({type: 'object', properties: {data_sources: {type: 'array', items: ref('DataSource')}}}), ...errors(401, 403)}),
    post: op(
      'Register a data source (201); an existing id is a 409 unless ?update=true, which changes the fields given (200). Setting `command` needs an admin token (403 otherwise)',
      INGEST,
      {201: json({type: 'object', properties: {source: ref('DataSource'), created: {type: 'boolean'}}}, 'created'), 200: json({type: 'object', properties: {source: ref('DataSource'), created: {type: 'boolean'}}}, 'updated'), ...errors(400, 401, 403, 409, 413, 422)},
      {parameters: [q('update', 'true: update an existing source')], requestBody: jsonBody(ref('DataSourceInput'))},
    ),
  }
  const removeSource = op('Remove a data source; its points stay unless ?delete_points=true (same transaction)', ADMIN, {200: json({type: 'object', properties: {id: {type: 'string'}, removed: {const: true}, pointsDeleted: {type: 'integer'}}}), ...errors(401, 403, 404)}, {
    parameters: [{name: 'id', in: 'path', required: true, schema: {type: 'string'}}, q('delete_points', 'true: delete the points with this dataSourceId too')],
  })
  const listMetrics = op('List metrics', READ, {200: json({type: 'object', properties: {metrics: {type: 'array', items: ref('StoredMetric')}}}), ...errors(401, 403)}, {
    parameters: [q('category', 'only this category'), q('q', 'only metrics matching this text, best first (as /api/search)')],
  })
  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'metricat',
      version: '1',
      description:
        'Metric catalog API. JSON everywhere. Errors: `{"error": {"code", "message", "details"}}` with 400 malformed JSON, 401 missing or unknown token, 403 role may not, 404 unknown metric or route, 409 conflict, 413 body too large, 422 validation (details.problems lists each field), 500 internal (nothing leaked).',
    },
    servers: [{url: '/'}],
    security: [{bearer: []}, {hitServiceToken: []}],
    paths: {
      '/api/health': {get: {...op('Liveness', 'none', {200: json({type: 'object', properties: {status: {const: 'ok'}}})}), security: []}},
      '/api/openapi.json': {get: {...op('This document', 'none', {200: json({type: 'object'})}), security: []}},
      '/api/metrics': {get: listMetrics},
      '/api/metrics/{id}': {
        get: op('One metric definition (ETag: its version)', READ, {200: json(ref('StoredMetric')), ...errors(400, 401, 403, 404)}, {
          parameters: [idParam, q('version', 'the definition as of this version', {type: 'integer', minimum: 1})],
        }),
      },
      '/api/metrics/{id}/history': {
        get: op('Every version of a metric, oldest first', READ, {200: json({type: 'object', properties: {id: {type: 'string'}, versions: {type: 'array', items: ref('MetricVersion')}}}), ...errors(401, 403, 404)}, {
          parameters: [idParam],
        }),
      },
      '/api/metrics/{id}/query': {
        post: op('Compute a metric (same as `metricat query`)', QUERY, {200: json(ref('QueryResult')), ...errors(400, 401, 403, 404, 413, 422)}, {
          parameters: [idParam],
          requestBody: jsonBody(ref('QueryRequest')),
        }),
      },
      '/api/metrics/{id}/dimensions/{dimension}/values': {
        get: op('The values a declared dimension takes, most rows first (same as `metricat values`)', READ, {
          200: json({
            type: 'object',
            properties: {
              metric: {type: 'string'},
              dimension: {type: 'string'},
              search: {type: ['string', 'null']},
              values: {type: 'array', items: {type: 'object', properties: {value: {}, rows: {type: 'integer'}}}},
              truncated: {type: 'boolean'},
            },
          }),
          ...errors(400, 401, 403, 404, 422),
        }, {
          parameters: [
            idParam,
            {name: 'dimension', in: 'path', required: true, schema: {type: 'string'}, description: 'a dimension the metric declares'},
            q('search', 'keep values containing this text (case-insensitive)'),
            q('limit', 'at most this many values (default 100)', {type: 'integer', minimum: 1}),
          ],
        }),
      },
      '/api/metrics/{id}/sql': {
        get: op('The SQL a query would run (same as `metricat sql`)', READ, {200: json(ref('CompiledQuery')), ...errors(400, 401, 403, 404, 422)}, {
          parameters: [
            idParam,
            q('grain', 'day, week, month, quarter or year'),
            q('by', 'dimensions, comma separated or repeated'),
            q('where', 'a filter in the CLI syntax, e.g. region=EU; repeatable'),
            q('from', 'ISO date, inclusive'),
            q('to', 'ISO date, exclusive'),
            q('range', 'instead of from/to: today, yesterday, last 6 months, this year, ... (UTC)'),
            q('compare', 'previous or year'),
            q('variant', 'a sql_by_<name> variant'),
            q('limit', 'the latest N periods (order value: the first N rows)', {type: 'integer', minimum: 1}),
            q('order', 'period (default) or value'),
            q('desc', 'true: descending (latest periods or largest values first)', {type: 'boolean'}),
          ],
        }),
        post: op('The SQL a query would run, for a JSON query body', READ, {200: json(ref('CompiledQuery')), ...errors(400, 401, 403, 404, 413, 422)}, {
          parameters: [idParam],
          requestBody: jsonBody(ref('QueryRequest')),
        }),
      },
      '/api/search': {
        get: op('Ranked free-text search', READ, {200: json({type: 'object', properties: {query: {type: 'string'}, results: {type: 'array', items: ref('SearchHit')}}}), ...errors(400, 401, 403)}, {
          parameters: [{...q('q', 'what to look for'), required: true}],
        }),
      },
      '/api/lookup': {
        get: op('Exact lookup by synonym (or name, id, alias) or by table; or, with column (and optionally table), the metrics that use a column', READ, {
          200: json({
            type: 'object',
            description: '{metrics} for synonym or table; {column, table, uses: [{metric, table, column, used_in}]} for column',
            properties: {
              metrics: {type: 'array', items: ref('StoredMetric')},
              column: {type: 'string'},
              table: {type: ['string', 'null']},
              uses: {type: 'array', items: {type: 'object', properties: {metric: {type: 'string'}, table: {type: 'string'}, column: {type: 'string'}, used_in: {type: 'array', items: {enum: ['expression', 'filter', 'dimension', 'time_column', 'sql']}}}}},
            },
          }),
          ...errors(400, 401, 403),
        }, {
          parameters: [q('synonym', 'case-insensitive'), q('table', '`orders` also matches `main.orders`'), q('column', 'a column name, case-insensitive: the metrics whose expression, filters, dimensions, time column or SQL read it (parsed SQL)')],
        }),
      },
      '/api/tables': {
        get: op('Every table the metrics read, with the metrics that read it; with columns=1 the table map: every warehouse table with its columns, types and the metrics per column', READ, {
          200: json({
            type: 'object',
            properties: {
              tables: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    table: {type: 'string'},
                    metrics: {type: 'array', items: {type: 'string'}},
                    database: {type: 'string'},
                    schema: {type: 'string'},
                    exists: {type: 'boolean'},
                    columns: {type: 'array', items: {type: 'object', properties: {name: {type: 'string'}, type: {type: 'string'}, metrics: {type: 'array', items: {type: 'object', properties: {id: {type: 'string'}, used_in: {type: 'array', items: {type: 'string'}}}}}}}},
                  },
                },
              },
            },
          }),
          ...errors(400, 401, 403),
        }, {parameters: [q('columns', '1: the table map with columns')]}),
      },
      '/mcp': {
        post: op('Model Context Protocol over Streamable HTTP (stateless, JSON responses): the tools of `metricat mcp`; query tools need the query grant', READ, {
          200: json({type: 'object', description: 'a JSON-RPC response'}),
          ...errors(400, 401, 403, 413),
        }, {requestBody: jsonBody({type: 'object', description: 'a JSON-RPC request or notification (initialize, tools/list, tools/call, resources/list, resources/read)'})}),
      },
      '/api/metrics/ingest': {
        post: op('Ingest points: all or nothing, re-sent points replace their value, in-batch duplicates resolve to the last one', INGEST, {200: json(ref('IngestResult')), ...errors(400, 401, 403, 413, 422)}, {
          requestBody: {
            required: true,
            description: '422 lists every bad point: by index (/points/N) for JSON, by line for NDJSON',
            content: {
              'application/json': {schema: {...INGEST_REQUEST_SCHEMA, properties: {points: {type: 'array', items: ref('Point')}}}},
              'application/x-ndjson': {schema: {type: 'string', description: 'one point per line (or a {"points": [...]} document)'}},
            },
          },
        }),
      },
      '/api/metrics/points/query': {post: pointsQuery},
      '/api/metrics/query': {post: {...pointsQuery, summary: `${pointsQuery.summary}; HIT metrics-core's path for it`}},
      '/api/metrics/runs': {
        post: op(
          'Record a run of a points program that ran elsewhere (`metricat run --server`): a `run` job, the data source\'s last run, success, error and failure count (an unknown id is registered), and on success its points, in one transaction. The command is stored on a new source only for an admin token',
          INGEST,
          {200: json(ref('RunReportResult')), ...errors(400, 401, 403, 413, 422)},
          {requestBody: jsonBody(ref('RunReport'))},
        ),
      },
      '/api/data-sources': dataSources,
      '/api/metrics/data-sources': {
        get: {...dataSources.get, summary: `${dataSources.get.summary}; HIT metrics-core's path`},
        post: {...dataSources.post, summary: `${dataSources.post.summary}; HIT metrics-core's path`},
      },
      '/api/data-sources/{id}': {delete: removeSource},
      '/api/data-sources/{id}/enable': {
        post: op('Re-enable a data source disabled after repeated failures: status active, failure count 0, next poll scheduled (as `metricat sources enable`)', INGEST, {200: json({type: 'object', properties: {source: ref('DataSource')}}), ...errors(401, 403, 404)}, {
          parameters: [{name: 'id', in: 'path', required: true, schema: {type: 'string'}}],
        }),
      },
      '/api/cache/stats': {
        get: op('The result cache: hits, misses, entries, bytes (JSON size), max_bytes, ttl_seconds, evictions', READ, {
          200: json({type: 'object', properties: Object.fromEntries(['hits', 'misses', 'entries', 'bytes', 'max_bytes', 'ttl_seconds', 'evictions'].map((k) => [k, {type: 'number'}]))}),
          ...errors(401, 403),
        }),
      },
      '/api/admin/cache/clear': {
        post: op('Empty the result cache', ADMIN, {200: json({type: 'object', properties: {cleared: {type: 'integer'}}}), ...errors(401, 403)}),
      },
      '/api/jobs': {
        get: op('The job log, newest first (as `metricat jobs`)', READ, {200: json({type: 'object', properties: {jobs: {type: 'array', items: ref('Job')}}}), ...errors(400, 401, 403)}, {
          parameters: [
            q('source', 'only jobs of this data source'),
            q('status', 'running, completed, failed, partial or interrupted'),
            q('kind', 'ingest, run, import, load or rollup'),
            q('since', 'only jobs started since: relative (30m, 12h, 7d, 12w) or a date'),
            q('limit', 'at most this many (default 50)', {type: 'integer', minimum: 1, maximum: 10000}),
          ],
        }),
      },
      '/api/metrics/data-sources/{id}': {delete: {...removeSource, summary: `${removeSource.summary}; HIT metrics-core's path`}},
      '/api/metrics/definitions': {get: {...listMetrics, summary: `${listMetrics.summary}; HIT metrics-core's path`}},
      '/api/admin/metrics': {
        post: op('Create (201) or replace (200) a metric', ADMIN, {201: json(ref('WriteResult'), 'created'), 200: json(ref('WriteResult'), 'replaced or unchanged'), ...errors(400, 401, 403, 409, 413, 422)}, {
          parameters: [q('category', 'category when the body has none'), {name: 'If-Match', in: 'header', required: false, description: 'the version you read; 409 if the metric has changed since (or does not exist)', schema: {type: 'string'}}],
          requestBody: jsonBody(ref('MetricDefinition'), 'a definition with the YAML field names (`table`, `sql_by_<name>`), or as GET returns it (`id`, `table_name`, `sql_variants`; version fields are ignored); unknown fields are errors'),
        }),
      },
      '/api/admin/metrics/{id}': {
        put: op('Update an existing metric: the body replaces its definition', ADMIN, {200: json(ref('WriteResult')), ...errors(400, 401, 403, 404, 409, 413, 422)}, {
          parameters: [idParam, {name: 'If-Match', in: 'header', required: false, description: 'the version you read; 409 if the metric has changed since', schema: {type: 'string'}}],
          requestBody: jsonBody(ref('MetricDefinition'), 'name and category may be left out (they come from the id)'),
        }),
        patch: op('Change some fields of a metric; a field set to null is removed', ADMIN, {200: json(ref('WriteResult')), ...errors(400, 401, 403, 404, 409, 413, 422)}, {
          parameters: [idParam, {name: 'If-Match', in: 'header', required: false, description: 'the version you read; 409 if the metric has changed since', schema: {type: 'string'}}],
          requestBody: jsonBody({type: 'object', description: 'the fields to change, with the names PUT takes (e.g. {"unit": "EUR", "synonyms": ["sales"]}); name and category cannot change'}, 'fields to change'),
        }),
        delete: op('Delete a metric (its history is kept)', ADMIN, {200: json({type: 'object', properties: {id: {type: 'string'}, deleted: {const: true}}}), ...errors(401, 403, 404, 409)}, {
          parameters: [idParam, {name: 'If-Match', in: 'header', required: false, description: 'the version you read', schema: {type: 'string'}}],
        }),
      },
      '/api/admin/import': {
        post: op('Import YAML documents, atomically (all or nothing) and idempotently, like `metricat import`', ADMIN, {200: json(ref('ImportPlan')), ...errors(400, 401, 403, 413, 422)}, {
          parameters: [
            q('category', 'YAML body only: category of mappings without one'),
            q('prune', 'YAML body only: true to delete metrics the body does not hold'),
            q('dry_run', 'YAML body only: true to return the plan and write nothing'),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {schema: ref('ImportRequest')},
              'application/yaml': {schema: {type: 'string', description: 'one YAML document: a metric mapping or a list of them'}},
            },
          },
        }),
      },
      '/api/admin/tokens': {
        get: op('List API tokens (never the tokens themselves)', ADMIN, {200: json({type: 'object', properties: {tokens: {type: 'array', items: ref('TokenInfo')}}}), ...errors(401, 403)}),
        post: op('Create a token; the response is the only time it is shown', ADMIN, {201: json({allOf: [ref('TokenInfo'), {type: 'object', properties: {token: {type: 'string'}}}]}, 'created'), ...errors(400, 401, 403, 409, 422)}, {
          requestBody: jsonBody(ref('TokenRequest')),
        }),
      },
      '/api/admin/tokens/{name}': {
        delete: op('Revoke a token', ADMIN, {200: json({type: 'object', properties: {name: {type: 'string'}, revoked: {const: true}}}), ...errors(401, 403, 404)}, {
          parameters: [{name: 'name', in: 'path', required: true, schema: {type: 'string'}}],
        }),
      },
    },
    components: {
      securitySchemes: {
        bearer: {type: 'http', scheme: 'bearer', description: `tokens from \`metricat token create NAME --role ${ROLES.join('|')}\``},
        hitServiceToken: {type: 'apiKey', in: 'header', name: 'X-HIT-Service-Token', description: 'HIT metrics-core\'s header: the same tokens, taken when there is no Authorization header'},
      },
      responses: Object.fromEntries(
        [
          [400, 'malformed JSON or a bad request value'],
          [401, 'no token, or an unknown one'],
          [403, "the token's role may not do this"],
          [404, 'unknown metric, version, token or route'],
          [409, 'conflict (If-Match version, token name taken)'],
          [413, 'request body too large'],
          [422, 'validation failed; details.problems lists {path, message} (and file, line, column for YAML)'],
        ].map(([s, d]) => [`E${s}`, json(ref('Error'), d as string)]),
      ),
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {error: {type: 'object', required: ['code', 'message', 'details'], properties: {code: {type: 'string'}, message: {type: 'string'}, details: {type: 'object'}}}},
        },
        MetricDefinition: metricSchema,
        StoredMetric: {
          type: 'object',
          description: 'a stored definition: the YAML fields (with `table` as `table_name`, variants as `sql_variants`) plus bookkeeping',
          required: ['id', 'name', 'category', 'version', 'content_hash', 'created_at', 'updated_at'],
          properties: {id: {type: 'string'}, name: {type: 'string'}, category: {type: 'string'}, version: {type: 'integer'}, content_hash: {type: 'string'}, created_at: {type: 'string'}, updated_at: {type: 'string'}},
        },
        MetricVersion: {
          type: 'object',
          properties: {
            id: {type: 'string'},
            version: {type: 'integer'},
            change: {enum: ['create', 'update', 'delete']},
            content_hash: {type: 'string'},
            source: {enum: ['yaml', 'cli', 'api']},
            actor: {type: ['string', 'null']},
            changed_at: {type: 'string'},
            definition: {type: 'object'},
          },
        },
        SearchHit: {type: 'object', properties: {id: {type: 'string'}, display_name: {type: 'string'}, score: {type: 'number'}, matched: {type: 'string'}, description: {type: 'string'}}},
        QueryRequest: QUERY_REQUEST_SCHEMA,
        QueryResult: {
          type: 'object',
          properties: {
            metric: {type: 'string'},
            grain: {type: ['string', 'null']},
            unit: {type: ['string', 'null'], description: 'the metric\'s unit (USD, percent, ratio, hours, customers, ...); values are numbers with up to 15 significant digits'},
            data_through: {type: ['string', 'null'], description: 'last timestamp of the metric\'s data (ISO, UTC) after its definition filters; no period starts after it'},
            columns: {type: 'array', items: {type: 'string'}},
            rows: {type: 'array', items: {type: 'object', description: 'period (ISO date), one key per dimension, value; with compare also previous_value and growth_pct; partial: true on the period the data ends inside (absent on the others)'}},
            sql: {type: 'string'},
            params: {type: 'array'},
            cached: {type: 'boolean', description: 'true when the server answered from its result cache'},
          },
        },
        CompiledQuery: {type: 'object', properties: {sql: {type: 'string'}, params: {type: 'array'}, columns: {type: 'array', items: {type: 'string'}}, grain: {type: 'string'}}},
        WriteResult: {type: 'object', properties: {metric: ref('StoredMetric'), change: {enum: ['create', 'update', null]}}},
        ImportRequest: IMPORT_REQUEST_SCHEMA,
        ImportPlan: {
          type: 'object',
          properties: {
            added: {type: 'array', items: {type: 'object'}},
            changed: {type: 'array', items: {type: 'object', description: '{id, change, file, fields: [{field, before, after}]}'}},
            removed: {type: 'array', items: {type: 'object'}},
            unchanged: {type: 'array', items: {type: 'string'}},
            applied: {type: 'boolean'},
            warnings: {type: 'array', items: {type: 'object', description: '{file, line, column, path, metric, message}'}, description: 'e.g. the index file lists a metric no file defines'},
          },
        },
        TokenRequest: TOKEN_REQUEST_SCHEMA,
        Point: pointSchema,
        IngestResult: {
          type: 'object',
          properties: Object.fromEntries(
            [['jobId', 'string'], ['source', 'string'], ['format', 'string'], ...['points', 'distinct', 'duplicates', 'inserted', 'updated', 'unchanged', 'ms'].map((k) => [k, 'number'])].map(([k, t]) => [k, {type: t}]),
          ),
        },
        PointsQuery: POINTS_QUERY_SCHEMA,
        PointsResult: {
          type: 'object',
          properties: {key: {type: 'string'}, bucket: {type: 'string'}, agg: {type: 'string'}, columns: {type: 'array', items: {type: 'string'}}, rows: {type: 'array', items: {type: 'object'}}, sql: {type: 'string'}, params: {type: 'array'}, cached: {type: 'boolean', description: 'true when the server answered from its result cache'}},
        },
        DataSourceInput: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: {
            ...Object.fromEntries(['id', 'name', 'connector_key', 'source_kind', 'entity_kind', 'entity_id', 'command', 'schedule'].map((k) => [k, {type: 'string'}])),
            poll_frequency: {enum: ['frequent', 'hourly', 'daily', 'weekly', 'manual'], description: 'frequent = every 15 minutes; default daily'},
            cron: {type: 'string', description: 'a cron expression in UTC, instead of poll_frequency'},
            mode: {enum: ['series', 'snapshot'], description: 'snapshot: each successful run replaces the source\'s points per metric key'},
            max_failures: {type: 'integer', minimum: 1, maximum: 1000, description: 'consecutive failed runs before the source is disabled (default 5)'},
            timeout_seconds: {type: 'integer', minimum: 1, maximum: 86400},
            retries: {type: 'integer', minimum: 0, maximum: 10, description: 'further attempts after a failed run, with backoff'},
          },
        },
        Job: {
          type: 'object',
          properties: {
            id: {type: 'string'},
            kind: {enum: ['ingest', 'run', 'import', 'load', 'rollup']},
            source: {type: ['string', 'null'], description: 'file name, stdin, body, or the command line of a run'},
            data_source_id: {type: ['string', 'null']},
            status: {enum: ['running', 'completed', 'failed', 'partial', 'interrupted']},
            started_at: {type: 'string'},
            finished_at: {type: ['string', 'null']},
            duration_s: {type: ['number', 'null']},
            points_read: {type: 'integer'},
            rows_inserted: {type: 'integer'},
            rows_updated: {type: 'integer'},
            rows_unchanged: {type: 'integer'},
            rows_deleted: {type: 'integer', description: 'snapshot runs: points the run no longer reported'},
            exit_code: {type: ['integer', 'null']},
            error: {type: ['string', 'null']},
            stderr_tail: {type: ['string', 'null'], description: "the last 4000 characters of the program's stderr"},
            attempts: {type: 'integer', description: 'which attempt of a run with retries'},
          },
        },
        RunReport: RUN_REPORT_SCHEMA,
        RunReportResult: {
          type: 'object',
          properties: {jobId: {type: 'string'}, status: {enum: ['succeeded', 'failed']}, command: {type: 'string'}, dataSourceId: {type: 'string'}, registered: {type: 'boolean'}, ingest: ref('IngestResult')},
        },
        DataSource: {
          type: 'object',
          description: 'a registered data source with its schedule and run history; `command` only for admin tokens',
          properties: {
            id: {type: 'string'},
            name: {type: ['string', 'null']},
            command: {type: ['string', 'null']},
            poll_frequency: {type: ['string', 'null']},
            cron: {type: ['string', 'null']},
            mode: {enum: ['series', 'snapshot']},
            status: {enum: ['active', 'failing', 'disabled']},
            disabled_reason: {type: ['string', 'null']},
            next_poll_at: {type: ['string', 'null']},
            last_run_at: {type: ['string', 'null']},
            last_success_at: {type: ['string', 'null']},
            last_status: {enum: ['succeeded', 'failed', null]},
            last_error: {type: ['string', 'null']},
            failure_count: {type: 'integer'},
            max_failures: {type: 'integer'},
            timeout_seconds: {type: ['integer', 'null']},
            retries: {type: 'integer'},
          },
        },
        TokenInfo: {type: 'object', properties: {name: {type: 'string'}, role: {enum: [...ROLES]}, prefix: {type: 'string'}, created_at: {type: 'string'}}},
      },
    },
  }
  return hoistDefs(doc)
}

/**
 * The JSON Schemas embedded as components (metric.schema.json, point.schema.json, request bodies)
 * keep their shared parts in `$defs` and point at them with `#/$defs/NAME`, which in the OpenAPI
 * document would resolve from its root, where there is no `$defs`. Each such part becomes a
 * component of its own, `<Schema>_<NAME>`, and the references point there; `$id` goes, since the
 * embedded schema is no longer a document of its own.
 */
function hoistDefs<T extends {components: {schemas: Record<string, Json>}}>(doc: T): T {
  const schemas = doc.components.schemas
  for (const [name, original] of Object.entries(schemas)) {
    const schema = structuredClone(original)
    const defs = (schema.$defs ?? {}) as Record<string, Json>
    delete schema.$defs
    delete schema.$id
    const target = (def: string) => `#/components/schemas/${name}_${def}`
    const rewrite = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(rewrite)
      if (!node || typeof node !== 'object') return
      const obj = node as Json
      if (typeof obj.$ref === 'string' && obj.$ref.startsWith('#/$defs/')) obj.$ref = target(obj.$ref.slice('#/$defs/'.length))
      Object.values(obj).forEach(rewrite)
    }
    rewrite(schema)
    schemas[name] = schema
    for (const [def, body] of Object.entries(defs)) {
      rewrite(body)
      schemas[`${name}_${def}`] = body
    }
  }
  return doc
}
