import type {IngestProgress} from '../core/points.js'

/**
 * Progress starts to show once the ingest's own work has taken this long: `elapsedMs` counts from
 * the first chunk of input and leaves out the waits for the next, so a program that runs for a
 * while and prints two points gets no progress line.
 */
const SHOW_AFTER_MS = 1000

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * Ingest progress on stderr: nothing for the first second of work; then, on a terminal, one line
 * rewritten in place a few times a second, otherwise a plain line every few seconds.
 */
export class IngestProgressLine {
  private readonly tty = Boolean(process.stderr.isTTY)
  private lastAt = -Infinity
  private shown = false
  private wrote = false

  constructor(private readonly label: string) {}

  readonly update = (p: IngestProgress): void => {
    if (p.elapsedMs < SHOW_AFTER_MS) return
    if (p.phase === 'writing') {
      this.write(`${this.label}: read ${p.points.toLocaleString('en-US')} points; writing...`, true)
      return
    }
    if (p.elapsedMs - this.lastAt < (this.tty ? 200 : 5000)) return
    this.lastAt = p.elapsedMs
    const rate = Math.round(p.points / (p.elapsedMs / 1000))
    this.write(`${this.label}: ${p.points.toLocaleString('en-US')} points${p.bytes > 0 ? `, ${megabytes(p.bytes)}` : ''} (${rate.toLocaleString('en-US')} points/s)`, false)
  }

  /** Clears the in-place line, so the result prints on a clean line. */
  done(): void {
    if (this.tty && this.wrote) process.stderr.write('\r\u001B[K')
    this.wrote = false
  }

  private write(text: string, once: boolean): void {
    if (once && this.shown) return
    if (once) this.shown = true
    if (this.tty) process.stderr.write(`\r${text}\u001B[K`)
    else process.stderr.write(`${text}\n`)
    this.wrote = true
  }
}
