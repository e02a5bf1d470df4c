import type {MetricDefinition} from './types.js'

export interface SearchHit {
  id: string
  display_name: string | null
  description: string | null
  score: number
  /** which field matched best */
  matched: string
}

const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim()
const words = (s: string) => fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean)

/**
 * Ranks metrics for a free-text query, case-insensitively: an exact name, id, synonym, alias or
 * display name (100) beats a prefix of one (80), which beats a substring of one (60), which beats
 * the query's words found in display name, description and notes (up to 50, by share of words).
 * Ties are broken by id.
 */
export function searchMetrics(metrics: MetricDefinition[], text: string): SearchHit[] {
  const q = fold(text)
  if (!q) return []
  const qWords = words(text)
  const hits: SearchHit[] = []
  for (const m of metrics) {
    const names: [string, string][] = [
      ['name', m.name],
      ['id', m.id],
      ...(m.display_name ? [['display_name', m.display_name] as [string, string]] : []),
      ...(m.synonyms ?? []).map((s) => ['synonym', s] as [string, string]),
      ...(m.aliases ?? []).map((s) => ['alias', s] as [string, string]),
    ]
    let best = 0
    let matched = ''
    const consider = (score: number, field: string) => {
      if (score > best) [best, matched] = [score, field]
    }
    for (const [field, value] of names) {
      const v = fold(value)
      const vSpaced = v.replaceAll('_', ' ')
      if (v === q || vSpaced === q) consider(100, field)
      else if (v.startsWith(q) || vSpaced.startsWith(q)) consider(80, field)
      else if (v.includes(q) || vSpaced.includes(q)) consider(60, field)
    }
    if (best < 60 && qWords.length > 0) {
      const fields: [string, string | undefined][] = [
        ['display_name', m.display_name],
        ['name', m.name.replaceAll('_', ' ')],
        ['synonym', (m.synonyms ?? []).join(' ')],
        ['description', m.description],
        ['notes', m.notes],
      ]
      const bag = new Map<string, string>()
      for (const [field, value] of fields) for (const w of words(value ?? '')) if (!bag.has(w)) bag.set(w, field)
      let found = 0
      let firstField = ''
      for (const w of qWords) {
        const field = bag.get(w) ?? [...bag.keys()].find((b) => b.startsWith(w) && w.length >= 3)
        if (field) {
          found++
          firstField ||= bag.get(w) ?? bag.get(field) ?? ''
        }
      }
      if (found > 0) consider(Math.round((50 * found) / qWords.length), firstField)
    }
    if (best > 0) hits.push({id: m.id, display_name: m.display_name ?? null, description: m.description ?? null, score: best, matched})
  }
  return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
}
