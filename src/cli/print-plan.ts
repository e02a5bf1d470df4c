import type {ImportPlan} from '../core/catalog.js'
import {formatProblem, type ValidationDetail} from '../errors.js'
import {color} from './render.js'

const show = (v: unknown) => (v === null ? '(none)' : typeof v === 'string' ? JSON.stringify(v.length > 70 ? `${v.slice(0, 67)}...` : v) : JSON.stringify(v))

/** Terraform-style plan: + added, ~ changed (field by field), - removed. */
export function printPlan(plan: ImportPlan): string {
  const lines: string[] = []
  for (const a of plan.added) lines.push(color.green(`+ ${a.id}`) + (a.file ? color.dim(`  (${a.file})`) : ''))
  for (const c of plan.changed) {
    lines.push(color.yellow(`~ ${c.id}`) + (c.file ? color.dim(`  (${c.file})`) : ''))
    for (const f of c.fields ?? []) lines.push(`    ${f.field}: ${show(f.before)} -> ${show(f.after)}`)
  }
  for (const r of plan.removed) lines.push(color.red(`- ${r.id}`))
  lines.push(`${plan.added.length} to add, ${plan.changed.length} to change, ${plan.removed.length} to remove, ${plan.unchanged.length} unchanged`)
  return lines.join('\n')
}

/** Warnings (they do not stop the command) on stderr, one line each, so stdout stays the result. */
export function printWarnings(warnings: ValidationDetail[] | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`Warning: ${formatProblem(w)}\n`)
}
