// Which chart library the web pages use, by measurement: uPlot against Vega-Lite (vega + vega-lite
// + vega-embed) drawing 5 years of daily points x 10 series in Chromium. Page weight: the bytes of
// script and stylesheet each needs (and gzipped). Render time: from handing over the data to a
// drawn canvas, median of RUNS in one page. Vega-Lite is not a dependency: install it for this
// bench with `npm i --no-save vega vega-lite vega-embed` (it is skipped without it, saying so).
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {gzipSync} from 'node:zlib'

import {ROOT, median, report} from './lib.js'

const RUNS = 7
const DAYS = 5 * 365 + 1
const SERIES = 10

function chromiumPath() {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'].find((p) => p && existsSync(p))
}

function files(names) {
  const texts = names.map((n) => readFileSync(path.join(ROOT, 'node_modules', n), 'utf8'))
  return {texts, bytes: texts.reduce((a, t) => a + Buffer.byteLength(t), 0), gzip: texts.reduce((a, t) => a + gzipSync(t).length, 0)}
}

// the same synthetic data for both: DAYS days from 2021-01-01, SERIES random walks
const DATA = `
const DAYS = ${DAYS}, SERIES = ${SERIES};
const start = Date.UTC(2021, 0, 1) / 1000;
const xs = Array.from({length: DAYS}, (_, i) => start + i * 86400);
let seed = 42; const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const ys = Array.from({length: SERIES}, (_, s) => { let v = 100 + s * 20; return xs.map(() => (v += rand() * 10 - 5)); });
`

const UPLOT_RUN = `${DATA}
window.render = () => new Promise((resolve) => {
  const el = document.createElement('div'); document.body.replaceChildren(el);
  const t0 = performance.now();
  // uPlot may draw in a microtask after the constructor: the clock stops at its draw hook
  const u = new uPlot({width: 1000, height: 340, hooks: {draw: [(self) => { const ms = performance.now() - t0; queueMicrotask(() => { self.destroy(); resolve(ms); }); }]},
    series: [{}, ...ys.map((_, i) => ({label: 's' + i, stroke: 'hsl(' + i * 36 + ',70%,45%)'}))]}, [xs, ...ys], el);
});`

const VEGA_RUN = `${DATA}
const values = [];
for (let s = 0; s < SERIES; s++) for (let i = 0; i < DAYS; i++) values.push({date: xs[i] * 1000, series: 's' + s, value: ys[s][i]});
window.render = async () => {
  const el = document.createElement('div'); document.body.replaceChildren(el);
  const t0 = performance.now();
  const result = await vegaEmbed(el, {$schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 1000, height: 340, data: {values},
    mark: 'line', encoding: {x: {field: 'date', type: 'temporal'}, y: {field: 'value', type: 'quantitative'}, color: {field: 'series', type: 'nominal'}}}, {renderer: 'canvas', actions: false});
  await result.view.runAsync();
  const ms = performance.now() - t0; result.finalize(); return ms;
};`

export async function run() {
  console.log('\nChart libraries (5 years daily x 10 series in Chromium)')
  const executablePath = chromiumPath()
  if (!executablePath) return console.log('  skipped: no Chromium (set CHROMIUM_PATH or apt-get install -y chromium)')
  const uplot = files(['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css'])
  let vega
  try {
    vega = files(['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'])
  } catch {
    console.log('  Vega-Lite not installed (npm i --no-save vega vega-lite vega-embed): measuring uPlot only')
  }
  const {chromium} = await import('playwright-core')
  const browser = await chromium.launch({executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage']})
  try {
    const measure = async (lib, script) => {
      const page = await browser.newPage()
      await page.setContent('<!doctype html><html><body></body></html>')
      for (const text of lib.texts) {
        if (text.trimStart().startsWith('.') || text.includes('{display:')) await page.addStyleTag({content: text})
        else await page.addScriptTag({content: text})
      }
      await page.addScriptTag({content: script})
      const times = []
      for (let i = 0; i < RUNS + 1; i++) times.push(await page.evaluate(() => window.render()))
      await page.close()
      return median(times.slice(1))
    }
    const uplotMs = await measure(uplot, UPLOT_RUN)
    console.log(`  uPlot: ${(uplot.bytes / 1024).toFixed(0)} KiB (${(uplot.gzip / 1024).toFixed(0)} KiB gzipped), render ${uplotMs.toFixed(1)} ms`)
    if (vega) {
      const vegaMs = await measure(vega, VEGA_RUN)
      console.log(`  Vega-Lite: ${(vega.bytes / 1024).toFixed(0)} KiB (${(vega.gzip / 1024).toFixed(0)} KiB gzipped), render ${vegaMs.toFixed(1)} ms`)
      report('chart page weight, uPlot bytes / Vega-Lite bytes (gzipped)', {value: uplot.gzip, baseline: vega.gzip, unit: 'B', target: 1, direction: '<='})
      report(`chart render ${DAYS} days x ${SERIES} series, uPlot / Vega-Lite (median of ${RUNS})`, {value: uplotMs, baseline: vegaMs, target: 1, direction: '<='})
    }
  } finally {
    await browser.close()
  }
}
