// Raw points queries (`metricat points KEY`, POST /api/points/query, the MCP points tool): the
// time of `queryPoints` in-process (compile + run + rows) against hand-written DuckDB SQL for the
// same answer on the same connection (no gap filling), so the ratio is what the compiled SQL and
// its compilation cost on top of the bare aggregate. Points: bench/points.bench.js's generator.
import path from 'node:path'

import {openCatalog} from '../dist/core/catalog.js'
import {ingestPoints, queryPoints} from '../dist/core/points.js'
import {freshDir, median, report} from './lib.js'
import {point} from './points.bench.js'

const POINTS = Number(process.env.POINTS_QUERY_BENCH_POINTS ?? 1_000_000)
const ROUNDS = Number(process.env.POINTS_QUERY_BENCH_ROUNDS ?? 15)

// key m0 holds a tenth of the points: 1000 days, 4 platforms x 2 regions, 100 entities
const QUERIES = [
  {
    name: 'sum by day',
    request: {key: 'game.players.m0', bucket: 'day'},
    hand: `SELECT date_trunc('day', "date") AS period, sum(value) AS value FROM mc.metricat.metric_points WHERE metric_key = 'game.players.m0' GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'avg by month and platform, region = EU',
    request: {key: 'game.players.m0', bucket: 'month', agg: 'avg', by: ['platform'], filters: [{dimension: 'region', op: '=', value: 'EU'}]},
    hand: `SELECT date_trunc('month', "date") AS period, json_extract_string(dimensions, '/platform') AS platform, avg(value) AS value FROM mc.metricat.metric_points
      WHERE metric_key = 'game.players.m0' AND json_extract_string(dimensions, '/region') = 'EU' GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'p90 by week, one year',
    request: {key: 'game.players.m0', bucket: 'week', agg: 'p90', from: '2022-01-03', to: '2023-01-02'},
    hand: `SELECT date_trunc('week', "date") AS period, quantile_cont(value, 0.9) AS value FROM mc.metricat.metric_points
      WHERE metric_key = 'game.players.m0' AND "date" >= TIMESTAMP '2022-01-03' AND "date" < TIMESTAMP '2023-01-02' GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'rate by hour, 30 days',
    request: {key: 'game.players.m0', bucket: 'hour', agg: 'rate', from: '2022-03-01', to: '2022-03-31'},
    hand: `SELECT date_trunc('hour', "date") AS period, sum(value) / 3600 AS value FROM mc.metricat.metric_points
      WHERE metric_key = 'game.players.m0' AND "date" >= TIMESTAMP '2022-03-01' AND "date" < TIMESTAMP '2022-03-31' GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'bucket none, count by platform and region, one entity kind',
    request: {key: 'game.players.m0', bucket: 'none', agg: 'count', by: ['platform', 'region'], entityKind: 'game'},
    hand: `SELECT json_extract_string(dimensions, '/platform') AS platform, json_extract_string(dimensions, '/region') AS region, count(*) AS value FROM mc.metricat.metric_points
      WHERE metric_key = 'game.players.m0' AND entity_kind = 'game' GROUP BY 1, 2 ORDER BY 1, 2`,
  },
]

export async function run() {
  console.log(`\nPoints queries (${POINTS.toLocaleString('en-US')} points, ${ROUNDS} rounds each)`)
  const dir = freshDir('points-query')
  const catalog = await openCatalog({db: path.join(dir, 'points.duckdb'), create: true})
  try {
    for (let i = 0; i < POINTS; i += 100_000) {
      await ingestPoints(catalog, {points: Array.from({length: Math.min(100_000, POINTS - i)}, (_, j) => point(i + j))})
    }
    for (const q of QUERIES) {
      const ours = []
      const bare = []
      // one warm-up each, then alternate
      await queryPoints(catalog, q.request)
      await catalog.db.query(q.hand)
      for (let r = 0; r < ROUNDS; r++) {
        let t0 = performance.now()
        await queryPoints(catalog, q.request)
        ours.push(performance.now() - t0)
        t0 = performance.now()
        await catalog.db.query(q.hand)
        bare.push(performance.now() - t0)
      }
      report(`queryPoints: ${q.name} / hand-written SQL`, {value: median(ours), baseline: median(bare), note: 'same connection; the hand SQL does no gap filling'})
    }
  } finally {
    catalog.close()
  }
}
