import {color} from './render.js'
import {toYamlRecord} from '../catalog/yaml.js'
import type {MetricDefinition} from '../catalog/types.js'

/** A definition for people: a header, then the fields as YAML would show them, SQL last. */
export function printDefinition(metric: Record<string, unknown>): string {
  const def = metric as unknown as MetricDefinition
  const lines = [color.bold(`${def.id}${def.display_name ? ` — ${def.display_name}` : ''}`)]
  const meta = ['version', 'change', 'updated_at', 'changed_at', 'data_through'].filter((k) => metric[k] !== undefined).map((k) => `${k} ${metric[k]}`)
  if (meta.length > 0) lines.push(color.dim(meta.join(' · ')))
  lines.push('')
  for (const [key, value] of Object.entries(toYamlRecord(def))) {
    if (key === 'name' || key === 'display_name') continue
    const label = color.cyan(`${key}:`)
    if (typeof value === 'string' && value.includes('\n')) lines.push(label, ...value.replace(/\n$/, '').split('\n').map((l) => `  ${l}`))
    else if (Array.isArray(value)) {
      lines.push(label, ...value.map((v) => `  - ${typeof v === 'string' ? v : Object.entries(v as object).map(([k, x]) => `${k}: ${x}`).join(', ')}`))
    } else if (value && typeof value === 'object') lines.push(`${label} ${Object.entries(value).map(([k, x]) => `${k}: ${x}`).join(', ')}`)
    else lines.push(`${label} ${value}`)
  }
  return lines.join('\n')
}
