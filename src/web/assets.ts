import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

import {STYLESHEET} from './style.js'

/** A file the pages load, served from the package itself (no CDN: the pages work offline). */
export interface Asset {
  name: string
  type: string
  body: string
  /** `/assets/<content hash>/<name>`: a new version gets a new URL, so it may be cached for good */
  url: string
}

const require = createRequire(import.meta.url)

function asset(name: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  return {name, type, body, url: `/assets/${hash}/${name}`}
}

let loaded: Map<string, Asset> | undefined

/**
 * The pages' assets, read once: uPlot's script and stylesheet from node_modules, the pages' own
 * stylesheet, and their client script, which `npm run build` compiles from src/web/client.ts to
 * dist/web/client.js (dist/ sits two levels above both src/web and dist/web).
 */
export function webAssets(): Map<string, Asset> {
  if (!loaded) {
    const list = [
      asset('uPlot.iife.min.js', 'text/javascript; charset=utf-8', readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8')),
      asset('uPlot.min.css', 'text/css; charset=utf-8', readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')),
      asset('style.css', 'text/css; charset=utf-8', STYLESHEET),
      asset('client.js', 'text/javascript; charset=utf-8', readFileSync(fileURLToPath(new URL('../../dist/web/client.js', import.meta.url)), 'utf8')),
    ]
    loaded = new Map(list.map((a) => [a.name, a]))
  }
  return loaded
}

export function assetUrl(name: string): string {
  return webAssets().get(name)!.url
}
