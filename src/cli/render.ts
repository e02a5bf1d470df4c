import {Chalk, type ChalkInstance} from 'chalk'
import Table from 'cli-table3'

/** No colour when stdout is not a terminal or NO_COLOR is set. */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
}

export const color: ChalkInstance = new Chalk({level: useColor() ? 1 : 0})

/** A cli-table3 table; borders and headers are plain when colour is off. */
export function renderTable(head: string[], rows: (string | number | null | undefined)[][]): string {
  const plain = !useColor()
  const table = new Table({
    head: head.map((h) => color.bold(h)),
    style: plain ? {head: [], border: [], compact: false} : {head: ['cyan'], border: ['grey']},
    wordWrap: true,
    // no rule between rows: easier to scan, and half the lines
    chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
  })
  for (const row of rows) table.push(row.map((c) => (c === null || c === undefined ? '' : String(c))))
  return table.toString()
}

export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return ''
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}
