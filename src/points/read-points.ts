/**
 * Streaming reader for point input: NDJSON (one point per line) or a JSON document
 * `{"points": [...]}` (or a bare `[...]`), told apart by the first characters. Neither path
 * holds the input: NDJSON is split line by line, and the document is scanned for the items of
 * its `points` array, each handed over as its own JSON text with the line it starts on.
 */

export type TextFormat = 'ndjson' | 'json'

/** Receives each item's JSON text, the 1-based line it starts on, its 0-based position and the format. */
export type ItemSink = (text: string, line: number, index: number, format: TextFormat) => void

type SplitSink = (text: string, line: number, index: number) => void

/** The input cannot be read as points past this line (unbalanced document, bad top level). */
export interface StructureError {
  line: number
  message: string
}

export interface ReadSummary {
  format: TextFormat
  items: number
  bytes: number
  /** set when the input is malformed beyond one item; the rest was read and discarded */
  fatal?: StructureError
}

/** No single NDJSON line or document item may exceed this (a missing newline would hold the file). */
export const MAX_ITEM_CHARS = 16 * 1024 * 1024

interface Splitter {
  feed(text: string): void
  end(): void
  readonly items: number
  fatal?: StructureError
}

class NdjsonSplitter implements Splitter {
  items = 0
  fatal?: StructureError
  private rest = ''
  private line = 0

  constructor(private readonly sink: SplitSink) {}

  feed(text: string): void {
    const s = this.rest.length > 0 ? this.rest + text : text
    let start = 0
    let nl = s.indexOf('\n', start)
    while (nl !== -1) {
      this.line++
      this.emit(s, start, nl)
      start = nl + 1
      nl = s.indexOf('\n', start)
    }
    this.rest = start === 0 ? s : s.slice(start)
    if (this.rest.length > MAX_ITEM_CHARS && !this.fatal) {
      this.fatal = {line: this.line + 1, message: `line ${this.line + 1} is longer than ${MAX_ITEM_CHARS / 1024 / 1024} MB`}
    }
  }

  end(): void {
    if (this.rest.length > 0) {
      this.line++
      this.emit(this.rest, 0, this.rest.length)
      this.rest = ''
    }
  }

  private emit(s: string, from: number, to: number): void {
    if (this.fatal) return
    let end = to
    if (end > from && s.charCodeAt(end - 1) === 13) end--
    if (end === from) return
    const text = s.slice(from, end)
    if (text.charCodeAt(0) <= 32 && text.trim() === '') return
    this.sink(text, this.line, this.items++)
  }
}

const enum St {
  Start,
  Key,
  Colon,
  ArrayOpen,
  FirstItem,
  NextItem,
  Item,
  AfterItem,
  AfterArray,
  Done,
}

const WS = new Set([32, 9, 10, 13])

/**
 * Scans `{"points": [ item, item, ... ]}` (or `[ item, ... ]`) across chunk boundaries. Each item
 * is delimited by tracking strings and bracket depth, then handed over as text; JSON.parse of
 * that text reports errors inside an item, so one bad item does not end the scan.
 */
class DocumentScanner implements Splitter {
  items = 0
  fatal?: StructureError
  private buf = ''
  private pos = 0
  private line = 1
  private state = St.Start
  private bare = false
  private keyStart = -1
  private seenPoints = false
  // the item being scanned
  private itemStart = -1
  private itemLine = 0
  private depth = 0
  private inString = false
  private escaped = false

  constructor(private readonly sink: SplitSink) {}

  feed(text: string): void {
    if (this.fatal) return
    this.buf += text
    this.scan()
    if (this.fatal) {
      this.buf = ''
      this.pos = 0
      return
    }
    // Keep only what an unfinished item or key still needs.
    const keep = this.itemStart >= 0 ? this.itemStart : this.keyStart >= 0 ? this.keyStart : this.pos
    if (keep > 0) {
      this.buf = this.buf.slice(keep)
      this.pos -= keep
      if (this.itemStart >= 0) this.itemStart -= keep
      if (this.keyStart >= 0) this.keyStart -= keep
    }
    if (this.itemStart >= 0 && this.buf.length > MAX_ITEM_CHARS) this.fail(`the item starting on line ${this.itemLine} is longer than ${MAX_ITEM_CHARS / 1024 / 1024} MB`, this.itemLine)
  }

  end(): void {
    if (this.fatal) return
    if (this.state === St.Done || (this.bare && this.state === St.AfterArray)) return
    if (this.state === St.Start) return this.fail('the input is empty', this.line)
    const what =
      this.state === St.Item || this.state === St.FirstItem || this.state === St.NextItem || this.state === St.AfterItem ? 'the points array is not closed with ]' : 'the document is not closed'
    this.fail(`unexpected end of input: ${what}`, this.itemStart >= 0 ? this.itemLine : this.line)
  }

  private fail(message: string, line: number): void {
    this.fatal ??= {line, message}
  }

  private unexpected(c: number, expected: string): void {
    this.fail(`line ${this.line}: expected ${expected}, got ${JSON.stringify(String.fromCharCode(c))}`, this.line)
  }

  private scan(): void {
    const s = this.buf
    const n = s.length
    let i = this.pos
    while (i < n && !this.fatal) {
      const c = s.charCodeAt(i)
      if (this.state === St.Item) {
        // Hot loop: find the end of the current item.
        if (this.inString) {
          if (this.escaped) {
            this.escaped = false
            i++
            continue
          }
          // A tight loop to the next quote or backslash (a raw newline is invalid JSON but still a line).
          let j = i
          for (; j < n; j++) {
            const d = s.charCodeAt(j)
            if (d === 34 || d === 92) break
            if (d === 10) this.line++
          }
          if (j === n) {
            i = n
            continue
          }
          if (s.charCodeAt(j) === 92) this.escaped = true
          else this.inString = false
          i = j + 1
          continue
        }
        if (c === 34) this.inString = true
        else if (c === 123 || c === 91) this.depth++
        else if (c === 125 || c === 93) {
          if (this.depth === 0) {
            // `]` right after a scalar item ends both the item and the array
            this.emitItem(s, i)
            continue
          }
          this.depth--
          if (this.depth === 0) {
            this.emitItem(s, i + 1)
            i++
            continue
          }
        } else if (c === 44 && this.depth === 0) {
          this.emitItem(s, i)
          continue
        } else if (c === 10) this.line++
        i++
        continue
      }
      if (WS.has(c)) {
        if (c === 10) this.line++
        i++
        continue
      }
      switch (this.state) {
        case St.Start:
          if (c === 0xfeff) break
          if (c === 123) this.state = St.Key
          else if (c === 91) {
            this.bare = true
            this.seenPoints = true
            this.state = St.FirstItem
          } else return this.unexpected(c, '{"points": [...]}')
          break
        case St.Key: {
          if (c === 125) {
            if (!this.seenPoints) return this.fail('the document has no "points" array', this.line)
            this.state = St.Done
            break
          }
          if (c !== 34) return this.unexpected(c, this.seenPoints ? 'the end of the document' : '"points"')
          // read the key; it may straddle chunks
          this.keyStart = i
          let j = i + 1
          let esc = false
          for (; j < n; j++) {
            const k = s.charCodeAt(j)
            if (esc) esc = false
            else if (k === 92) esc = true
            else if (k === 34) break
          }
          if (j >= n) {
            // the key straddles chunks: scan it again from its quote when more text arrives
            this.pos = i
            return
          }
          let key: string
          try {
            key = JSON.parse(s.slice(i, j + 1)) as string
          } catch {
            key = s.slice(i + 1, j)
          }
          this.keyStart = -1
          if (key !== 'points') return this.fail(`line ${this.line}: unknown top-level field ${JSON.stringify(key)}; the document is {"points": [...]}`, this.line)
          if (this.seenPoints) return this.fail(`line ${this.line}: "points" appears twice`, this.line)
          this.seenPoints = true
          this.state = St.Colon
          i = j + 1
          continue
        }
        case St.Colon:
          if (c !== 58) return this.unexpected(c, ':')
          this.state = St.ArrayOpen
          break
        case St.ArrayOpen:
          if (c !== 91) return this.unexpected(c, 'an array [ after "points":')
          this.state = St.FirstItem
          break
        case St.FirstItem:
          if (c === 93) {
            this.state = St.AfterArray
            break
          }
          this.startItem(i)
          continue
        case St.NextItem:
          if (c === 93) return this.fail(`line ${this.line}: trailing comma before ]`, this.line)
          this.startItem(i)
          continue
        case St.AfterItem:
          if (c === 44) {
            this.state = St.NextItem
            break
          }
          if (c === 93) {
            this.state = St.AfterArray
            break
          }
          return this.unexpected(c, ', or ] between points')
        case St.AfterArray:
          if (this.bare) return this.unexpected(c, 'the end of the input after ]')
          if (c === 125) this.state = St.Done
          else if (c === 44) this.state = St.Key
          else return this.unexpected(c, '} after the points array')
          break
        case St.Done:
          return this.unexpected(c, 'the end of the input')
      }
      i++
    }
    this.pos = i
  }

  private startItem(i: number): void {
    this.state = St.Item
    this.itemStart = i
    this.itemLine = this.line
    this.depth = 0
    this.inString = false
    this.escaped = false
    // the loop re-reads s[i] in the Item state, which counts the opening bracket
  }

  /** The item runs from itemStart up to (not including) `end`; the caller resumes scanning at `end`. */
  private emitItem(s: string, end: number): void {
    const text = s.slice(this.itemStart, end).trimEnd()
    this.itemStart = -1
    this.state = St.AfterItem
    this.sink(text, this.itemLine, this.items++)
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff
}

/**
 * Which format the input is, from its first characters: `[`, or `{` followed by `"points"` or
 * `}`, is a document; anything else is NDJSON (whose first line may then be reported invalid).
 * Returns undefined while more input is needed.
 */
export function detectFormat(head: string, ended: boolean): TextFormat | undefined {
  let i = 0
  while (i < head.length && isSpace(head.charCodeAt(i))) i++
  if (i === head.length) return ended ? 'ndjson' : undefined
  const c = head.charCodeAt(i)
  if (c === 91) return 'json'
  if (c !== 123) return 'ndjson'
  let j = i + 1
  while (j < head.length && isSpace(head.charCodeAt(j))) j++
  if (j === head.length) return ended ? 'json' : undefined
  if (head.charCodeAt(j) === 125) return 'json'
  const rest = head.slice(j, j + 8)
  if (rest.length < 8 && !ended && '"points"'.startsWith(rest)) return undefined
  return rest === '"points"' ? 'json' : 'ndjson'
}

/** The offset of the first byte of `bytes` that is not part of valid UTF-8 (from `from`), or -1. */
export function invalidUtf8At(bytes: Uint8Array, from = 0): number {
  let i = from
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (n < 0) return i
    const b1 = bytes[i + 1]
    if (b1 === undefined) return -1
    // the second byte's range excludes overlong forms, surrogates and code points past U+10FFFF
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
    if (b1 < lo || b1 > hi) return i
    for (let k = 2; k <= n; k++) {
      const c = bytes[i + k]
      if (c === undefined) return -1
      if (c < 0x80 || c > 0xbf) return i
    }
    i += n + 1
  }
  return -1
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++
  return n
}

/**
 * Reads point items from text or byte chunks. `afterChunk` runs after each chunk is split (the
 * ingest uses it to append what was staged, which keeps memory flat); when the input is
 * malformed beyond one item, the rest is drained unread so a writer at the other end of a pipe
 * never blocks. Bytes must be UTF-8 (a byte-order mark is skipped); the first invalid byte ends
 * the read with an error naming its line.
 */
export async function readPointItems(
  input: AsyncIterable<string | Uint8Array>,
  sink: ItemSink,
  afterChunk?: (bytes: number) => Promise<void> | void,
): Promise<ReadSummary> {
  const decoder = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})
  let splitter: Splitter | undefined
  let format: TextFormat = 'ndjson'
  let head = ''
  let bytes = 0
  let started = false
  // newlines in the bytes decoded so far, for the line of an invalid byte
  let lines = 0
  let encodingError: StructureError | undefined
  const push = (text: string, ended: boolean): void => {
    if (!started && text.length > 0) {
      started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    if (splitter) {
      if (text.length > 0) splitter.feed(text)
      return
    }
    head += text
    const detected = detectFormat(head, ended)
    if (detected === undefined) return
    format = detected
    const split: SplitSink = (text, line, index) => sink(text, line, index, detected)
    splitter = detected === 'json' ? new DocumentScanner(split) : new NdjsonSplitter(split)
    const first = head
    head = ''
    if (first.length > 0) splitter.feed(first)
  }
  const decode = (chunk: Uint8Array | undefined): string | undefined => {
    try {
      const text = chunk === undefined ? decoder.decode() : decoder.decode(chunk, {stream: true})
      if (chunk !== undefined) lines += countNewlines(chunk, chunk.length)
      return text
    } catch {
      // A sequence cut at the chunk's start began in the previous chunk: report this chunk's first line.
      const at = chunk === undefined ? -1 : invalidUtf8At(chunk)
      const line = lines + 1 + (chunk !== undefined && at > 0 ? countNewlines(chunk, at) : 0)
      encodingError = {line, message: `the input is not valid UTF-8${at >= 0 && chunk ? ` (byte 0x${chunk[at]!.toString(16).padStart(2, '0')})` : chunk === undefined ? ' (it ends inside a character)' : ''}; save it as UTF-8`}
      return undefined
    }
  }
  const failed = () => splitter?.fatal ?? encodingError
  for await (const chunk of input) {
    if (failed()) continue
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
    const text = typeof chunk === 'string' ? chunk : decode(chunk)
    if (text === undefined) continue
    push(text, false)
    if (afterChunk) await afterChunk(bytes)
  }
  if (!failed()) {
    const rest = decode(undefined)
    if (rest !== undefined) {
      push(rest, true)
      splitter!.end()
    }
  }
  return {format, items: splitter?.items ?? 0, bytes, fatal: failed()}
}
