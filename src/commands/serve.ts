import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'

export default class Serve extends BaseCommand {
  static summary = 'Serve the catalog, metric queries and admin over HTTP (JSON API, see /api/openapi.json).'
  static description = `Binds 127.0.0.1:8787 unless told otherwise. Requests need \`Authorization: Bearer <token>\` (\`metricat token create\`); --public-read lets catalog reads through without one. Listening on a non-loopback host is refused while no token exists.

While it runs the server holds the database file; other metricat commands on the same --db go through it (it announces itself in <db>.server.json). Stop it with Ctrl-C or SIGTERM: it stops accepting, interrupts running queries, closes the database and exits 0.`
  static examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 9000 --public-read',
    '<%= config.bin %> serve --host 0.0.0.0 --db /srv/metricat.duckdb',
    '<%= config.bin %> serve --host 0.0.0.0 --allowed-host metrics.example.com',
  ]
  static enableJsonFlag = false
  static flags = {
    host: Flags.string({default: '127.0.0.1', description: 'address to listen on'}),
    port: Flags.integer({default: 8787, min: 0, max: 65_535, description: 'port to listen on (0: any free port)'}),
    'public-read': Flags.boolean({description: 'allow catalog reads (GET) without a token; queries and writes still need one'}),
    'body-limit': Flags.integer({default: 10, min: 1, max: 1024, description: 'largest request body, in MB'}),
    warehouse: Flags.string({description: 'DuckDB file attached read-only as the warehouse (default: $METRICAT_WAREHOUSE)'}),
    'allowed-host': Flags.string({multiple: true, description: 'a host name clients may use besides the bound address (repeatable); other Host headers get 403 (DNS rebinding)'}),
    scheduler: Flags.boolean({description: 'also run due data sources on their schedules, as `metricat scheduler` does'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const catalog = await this.localCatalog({warehouse: flags.warehouse})
    const {startServer} = await import('../server/start.js')
    const server = await startServer(catalog, {
      host: flags.host,
      port: flags.port,
      publicRead: flags['public-read'],
      bodyLimit: flags['body-limit'] * 1024 * 1024,
      allowedHosts: flags['allowed-host'],
    })
    // one line on stdout with the URL (scripts wait for it); the rest goes to stderr
    this.log(`metricat serving ${catalog.file} at ${server.url}`)
    this.logToStderr(`API description: ${server.url}/api/openapi.json. Ctrl-C to stop.`)
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
        setTimeout(force, 5000).unref()
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
