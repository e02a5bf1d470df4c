import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {pointsStoreFlag} from '../cli/points-flags.js'
import {warehouseFlag} from '../cli/query-flags.js'

export default class Serve extends BaseCommand {
  static summary = 'Serve the catalog, metric queries and admin over HTTP (JSON API, see /api/openapi.json) and as web pages at /.'
  static description = `Binds 127.0.0.1:8787 unless told otherwise. Requests need \`Authorization: Bearer <token>\` (\`metricat token create\`); --public-read lets catalog reads through without one. Listening on a non-loopback host is refused while no token exists.

While it runs the server holds the database file; other metricat commands on the same --db go through it (it announces itself in <db>.server.json). Queries run on a pool of read connections (one per core by default), each under --query-timeout (504 when exceeded) and all under DuckDB's --memory-limit; writes are serialised on one connection. Metric and points query results are cached (--cache-ttl, --cache-size) under the data version of what they read: import, put, delete, load, ingest and rollup refresh invalidate them at once; every result says \`cached: true|false\`.

Stop it with Ctrl-C or SIGTERM: it stops accepting, answers new requests 503 with Retry-After, lets requests in flight finish and their responses be written in full (up to --shutdown-timeout seconds), then interrupts the queries still running (503), closes the database and exits 0.`
  static examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 9000 --public-read',
    '<%= config.bin %> serve --host 0.0.0.0 --db /srv/metricat.duckdb',
    '<%= config.bin %> serve --host 0.0.0.0 --allowed-host metrics.example.com',
    '<%= config.bin %> serve --query-timeout 10 --memory-limit 4GB --read-connections 4',
    '<%= config.bin %> serve --cache-ttl 300 --cache-size 256',
  ]
  static enableJsonFlag = false
  static flags = {
    host: Flags.string({default: '127.0.0.1', description: 'address to listen on'}),
    port: Flags.integer({default: 8787, min: 0, max: 65_535, description: 'port to listen on (0: any free port)'}),
    'public-read': Flags.boolean({description: 'allow catalog reads (GET) without a token; queries and writes still need one'}),
    'body-limit': Flags.integer({default: 10, min: 1, max: 1024, description: 'largest request body, in MB'}),
    ...pointsStoreFlag,
    warehouse: warehouseFlag(),
    'allowed-host': Flags.string({multiple: true, description: 'a host name clients may use besides the bound address (repeatable); other Host headers get 403 (DNS rebinding)'}),
    scheduler: Flags.boolean({description: 'also run due data sources on their schedules, as `metricat scheduler` does'}),
    'query-timeout': Flags.integer({default: 30, min: 0, max: 86_400, description: 'stop a query running longer than this many seconds with 504 (0: no limit)'}),
    'max-rows': Flags.integer({default: 100_000, min: 1, description: 'most rows one metric query response may hold (larger results: 422; the CLI streams any size)'}),
    'memory-limit': Flags.string({description: 'DuckDB memory_limit, e.g. 4GB (default: half the machine\'s memory)'}),
    'read-connections': Flags.integer({min: 1, max: 256, description: 'connections that run queries at once (default: the number of cores)'}),
    'cache-ttl': Flags.integer({default: 60, min: 0, max: 86_400, description: 'seconds a metric or points query result stays cached (0: no cache); any write through metricat invalidates it at once'}),
    'cache-size': Flags.integer({default: 64, min: 1, max: 65_536, description: 'most memory the result cache may take, in MB (least recently used results go first)'}),
    'shutdown-timeout': Flags.integer({default: 10, min: 0, max: 3600, description: 'on SIGTERM/SIGINT, seconds requests in flight get to finish before their queries are interrupted'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const {SERVER_DEFAULTS, startServer} = await import('../server/start.js')
    const catalog = await this.localCatalog({
      warehouse: flags.warehouse,
      points: flags.points,
      readConnections: flags['read-connections'] ?? SERVER_DEFAULTS.readConnections,
      memoryLimit: flags['memory-limit'] ?? SERVER_DEFAULTS.memoryLimit,
    })
    const server = await startServer(catalog, {
      host: flags.host,
      port: flags.port,
      publicRead: flags['public-read'],
      bodyLimit: flags['body-limit'] * 1024 * 1024,
      allowedHosts: flags['allowed-host'],
      queryTimeoutMs: flags['query-timeout'] * 1000,
      maxRows: flags['max-rows'],
      drainMs: flags['shutdown-timeout'] * 1000,
      cacheTtlSeconds: flags['cache-ttl'],
      cacheMaxMegabytes: flags['cache-size'],
    })
    // one line on stdout with the URL (scripts wait for it); the rest goes to stderr
    this.log(`metricat serving ${catalog.file} at ${server.url}`)
    this.logToStderr(`Web pages: ${server.url}/ · API description: ${server.url}/api/openapi.json. Ctrl-C to stop.`)
    let scheduler: import('../core/scheduler.js').Scheduler | undefined
    if (flags.scheduler) {
      const {Scheduler} = await import('../core/scheduler.js')
      scheduler = new Scheduler(catalog, {log: (line) => this.logToStderr(`${new Date().toISOString()} scheduler: ${line}`)})
      void scheduler.loop()
    }

    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        this.logToStderr(`${signal}: stopping`)
        // a second signal, or a stop that hangs, must not keep the process alive
        const force = () => process.exit(0)
        process.once('SIGINT', force)
        process.once('SIGTERM', force)
        // past the drain, the interrupt grace and closing (see `stop`)
        setTimeout(force, flags['shutdown-timeout'] * 1000 + 8000).unref()
        // running scheduled jobs are stopped and recorded as interrupted before the database closes
        void (scheduler ? scheduler.stop(3000) : Promise.resolve()).then(() => server.stop()).then(
          (clean) => {
            if (clean) return resolve()
            this.logToStderr('queries were still running; exiting without closing the database (DuckDB replays its log on the next open)')
            process.exit(0)
          },
          () => process.exit(0),
        )
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
    })
  }
}
