// Shared helpers for the benchmarks: timing, child-process runs, medians and the report table.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const DATA = path.join(ROOT, 'bench', '.data')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export function freshDir(name) {
  const dir = path.join(DATA, name)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  return dir
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** The q-quantile (0..1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b)
  const at = (s.length - 1) * q
  const lo = Math.floor(at)
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo]
}

/** A seeded random number generator (mulberry32) returning numbers in [0, 1). */
function seeded(seed = 0x9e3779b9) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A percentile-bootstrap interval (95 % unless `level` says otherwise) of `statistic` over rounds:
 * `rounds` is the number of rounds, `statistic(indexes)` computes the estimate from the rounds
 * listed (with repeats). Seeded, so a run's interval is reproducible from its timings.
 */
export function bootstrap(rounds, statistic, resamples = 2000, level = 0.95) {
  const random = seeded()
  const estimates = []
  for (let b = 0; b < resamples; b++) estimates.push(statistic(Array.from({length: rounds}, () => Math.floor(random() * rounds))))
  return [quantile(estimates, (1 - level) / 2), quantile(estimates, (1 + level) / 2)]
}

/**
 * The same over values measured in groups (rounds in several processes): each resample draws the
 * groups with repeats, then each drawn group's values with repeats, and `statistic` gets the pooled
 * values. So the interval carries the spread between groups (one process's rounds vary less than
 * the processes do), where `bootstrap` over the pooled values would take them as independent.
 */
export function bootstrapGroups(groups, statistic, resamples = 2000, level = 0.95) {
  const random = seeded()
  const pick = (n) => Math.floor(random() * n)
  const estimates = []
  for (let b = 0; b < resamples; b++) {
    const pooled = []
    for (let g = 0; g < groups.length; g++) {
      const group = groups[pick(groups.length)]
      for (let i = 0; i < group.length; i++) pooled.push(group[pick(group.length)])
    }
    estimates.push(statistic(pooled))
  }
  return [quantile(estimates, (1 - level) / 2), quantile(estimates, (1 + level) / 2)]
}

export async function time(fn) {
  const t0 = performance.now()
  const result = await fn()
  return {ms: performance.now() - t0, result}
}

/** Wall time of one child process run, in ms; throws when it fails. */
export function timeProcess(cmd, args, options = {}) {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, ...options})
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

/** Runs a and b alternately `rounds` times (after one warm-up each) and returns both medians. */
export function alternate(rounds, a, b) {
  a()
  b()
  const as = []
  const bs = []
  for (let i = 0; i < rounds; i++) {
    as.push(a())
    bs.push(b())
  }
  return {a: median(as), b: median(bs)}
}

export function cli(args, options) {
  return execFileSync(process.execPath, [BIN, ...args], {cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, ...options})
}

const rows = []

/**
 * Records one figure: the measured value, the baseline measured in the same run, their ratio,
 * and whether the ratio meets the target (`<=` or `>=`). A figure that is a ratio by itself (a
 * median of per-round ratios) passes `ratio` and no value or baseline.
 */
export function report(name, {value, baseline, ratio: given, unit = 'ms', target, direction = '<=', note = ''}) {
  const ratio = given ?? (baseline ? value / baseline : undefined)
  const check = target === undefined || ratio === undefined ? '' : (direction === '<=' ? ratio <= target : ratio >= target) ? 'ok' : 'MISSED'
  rows.push({name, value, baseline, unit, ratio, target: target === undefined ? '' : `${direction} ${target}`, check, note})
  const fmt = (v) => (v === undefined ? '-' : `${v.toFixed(unit === 'ms' ? 1 : 0)} ${unit}`)
  console.log(`  ${name}: ${fmt(value)} vs baseline ${fmt(baseline)} -> ratio ${ratio === undefined ? '-' : ratio.toFixed(3)} (target ${target === undefined ? '-' : `${direction} ${target}`}) ${check} ${note}`)
}

export function summary() {
  console.log('\nSummary')
  console.log('| figure | value | baseline | ratio | target | |')
  console.log('| --- | ---: | ---: | ---: | --- | --- |')
  for (const r of rows) {
    const fmt = (v) => (v === undefined ? '-' : `${v.toFixed(r.unit === 'ms' ? 1 : 0)} ${r.unit}`)
    console.log(`| ${r.name} | ${fmt(r.value)} | ${fmt(r.baseline)} | ${r.ratio === undefined ? '-' : r.ratio.toFixed(3)} | ${r.target} | ${r.check} ${r.note} |`)
  }
  return rows
}
