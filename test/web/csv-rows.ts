import type {ResultRow} from '../../src/query/types.js'

/** A CSV without quoted cells (what the demo's results are) as rows; numeric cells as numbers. */
export function csvRows(text: string): ResultRow[] {
  const [head, ...lines] = text.trimEnd().split('\n')
  const columns = head!.split(',')
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i]!, cell !== '' && !Number.isNaN(Number(cell)) ? Number(cell) : cell])))
}
