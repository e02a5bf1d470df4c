import type {MetricDefinition} from './types.js'
import {BUILTIN_VOCABULARY, type Vocabulary} from './vocabulary.js'

export interface SearchHit {
  id: string
  display_name: string | null
  description: string | null
  /** 100 for an exact name, id, synonym, alias or display name; otherwise the relevance, below 100 */
  score: number
  /** which field matched best */
  matched: string
}

export interface SearchOptions {
  /** the catalog's own words on top of the built-in business vocabulary */
  vocabulary?: Vocabulary
}

type Field = 'synonym' | 'name' | 'display_name' | 'id' | 'alias' | 'description' | 'notes'

// Synonyms are the words people use for a metric, so they weigh most; notes the least (they
// mention neighbouring metrics: "for revenue churn use ...").
const WEIGHTS: Record<Field, number> = {synonym: 3, name: 2.5, display_name: 2.5, id: 1.5, alias: 1.5, description: 1, notes: 0.4}
const K1 = 1.2
const B = 0.75
/** a word added by the vocabulary counts this much of one the question used */
const EXPANSION_WEIGHT = 0.6
/** a whole synonym, name or display name inside the question: `customer churn` in "what is our customer churn" */
const PHRASE_BONUS = 2.5

const STOPWORDS = new Set(
  `a an and are as at be by did do does for from get give how i in is it me much many of on or our over per show the this that to us was we were what when which who whose with our my your last past next each every
  today yesterday day days week weeks month months year years quarter quarters number total count amount`.split(/\s+/),
)

const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
/** `monthly_revenue`, `Monthly-Revenue` and `monthly revenue` read the same. */
const normal = (s: string) => fold(s).replace(/[\s_-]+/g, ' ').trim()

/**
 * The form synonyms and names are compared in by lookup and the duplicate-synonym check: case,
 * accents, `_`, `-` and runs of spaces do not count, as in search.
 */
export const synonymKey = normal

/** A light English stemmer: plurals and -ed/-ing, so `cancellations` meets `cancellation`, `churned` meets `churn`. */
export function stem(word: string): string {
  let w = word
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`
  else if (w.length > 4 && w.endsWith('sses')) w = w.slice(0, -2)
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1)
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3)
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2)
  return w
}

function terms(text: string | undefined): string[] {
  if (!text) return []
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(stem)
}

interface Doc {
  metric: MetricDefinition
  fields: [Field, string[]][]
  /** whole synonyms, names and display names, as term lists, for phrase matches */
  phrases: [Field, string[]][]
  /** exact-match keys */
  names: [Field, string][]
}

function toDoc(m: MetricDefinition): Doc {
  const [category, name] = [m.category ?? m.id.split('/')[0], m.name]
  const synonyms = m.synonyms ?? []
  const aliases = m.aliases ?? []
  return {
    metric: m,
    fields: [
      ['synonym', synonyms.flatMap(terms)],
      ['name', terms(name)],
      ['display_name', terms(m.display_name)],
      ['id', terms(category)],
      ['alias', aliases.flatMap(terms)],
      ['description', terms(m.description)],
      ['notes', terms(m.notes)],
    ],
    phrases: [
      ...synonyms.map((s): [Field, string[]] => ['synonym', terms(s)]),
      ['name', terms(name)],
      ...(m.display_name ? [['display_name', terms(m.display_name)] as [Field, string[]]] : []),
    ],
    names: [
      ['name', name],
      ['id', m.id],
      ...(m.display_name ? [['display_name', m.display_name] as [Field, string]] : []),
      ...synonyms.map((s): [Field, string] => ['synonym', s]),
      ...aliases.map((s): [Field, string] => ['alias', s]),
    ],
  }
}

/** The question's terms (stop words out) with weights, plus what the vocabulary adds. */
function queryTerms(text: string, vocabulary: Map<string, string[][]>): Map<string, number> {
  const all = terms(text)
  const kept = all.filter((t) => !STOPWORDS.has(t))
  const words = kept.length > 0 ? kept : all
  const weights = new Map<string, number>()
  const add = (t: string, w: number) => weights.set(t, Math.max(weights.get(t) ?? 0, w))
  for (const t of words) add(t, 1)
  // phrases of up to three words of the question, stop words included ("log in", "sign up")
  for (let n = 3; n >= 1; n--) {
    for (let i = 0; i + n <= all.length; i++) {
      for (const expansion of vocabulary.get(all.slice(i, i + n).join(' ')) ?? []) for (const t of expansion) add(t, EXPANSION_WEIGHT)
    }
  }
  return weights
}

function compileVocabulary(extra: Vocabulary = {}): Map<string, string[][]> {
  const map = new Map<string, string[][]>()
  for (const source of [BUILTIN_VOCABULARY, extra]) {
    for (const [word, expansions] of Object.entries(source)) {
      const key = terms(word).join(' ')
      if (!key) continue
      map.set(key, [...(map.get(key) ?? []), ...expansions.map(terms).filter((e) => e.length > 0)])
    }
  }
  return map
}

/**
 * Ranks metrics for a free-text question. An exact name, id, synonym, alias or display name
 * (ignoring case, `_`, `-` and spacing) scores 100 and comes first. Everything else is ranked by
 * BM25F over synonyms (weighted highest), name, display name, category, aliases, description and
 * notes, with light stemming, stop words dropped, a bonus when a whole synonym or name appears in
 * the question, and a business vocabulary (money -> revenue, bill -> cost, ...) adding words.
 * Scores below 100 are relative: the best non-exact hit gets at most 90. Ties are broken by id.
 */
export function searchMetrics(metrics: MetricDefinition[], text: string, options: SearchOptions = {}): SearchHit[] {
  const q = normal(text)
  if (!q) return []
  const docs = metrics.map(toDoc)
  const query = queryTerms(text, compileVocabulary(options.vocabulary))
  const queryWords = new Set(query.keys())
  const ownWords = Math.max(1, [...query.values()].filter((w) => w === 1).length)

  // per-field average lengths and document frequencies for BM25
  const avg = new Map<Field, number>()
  for (const f of Object.keys(WEIGHTS) as Field[]) {
    const lengths = docs.map((d) => d.fields.find(([n]) => n === f)![1].length)
    avg.set(f, Math.max(1, lengths.reduce((a, b) => a + b, 0) / Math.max(1, docs.length)))
  }
  const df = new Map<string, number>()
  for (const d of docs) {
    const seen = new Set(d.fields.flatMap(([, ts]) => ts))
    for (const t of queryWords) if (seen.has(t) || [...seen].some((s) => isPrefix(t, s))) df.set(t, (df.get(t) ?? 0) + 1)
  }

  const scored: {hit: SearchHit; exact: boolean; relevance: number}[] = []
  for (const d of docs) {
    const exact = d.names.find(([, v]) => normal(v) === q)
    let relevance = 0
    let best: [Field, number] = ['description', 0]
    for (const [t, qWeight] of query) {
      const n = df.get(t) ?? 0
      if (n === 0) continue
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5))
      let tf = 0
      for (const [field, ts] of d.fields) {
        let count = 0
        for (const s of ts) count += s === t ? 1 : isPrefix(t, s) ? 0.5 : 0
        if (count === 0) continue
        const part = (WEIGHTS[field] * count) / (1 - B + (B * ts.length) / avg.get(field)!)
        tf += part
        if (part * qWeight > best[1]) best = [field, part * qWeight]
      }
      relevance += qWeight * idf * ((tf * (K1 + 1)) / (tf + K1))
    }
    // The synonym or name closest to the question as a whole: overlap counted against both the
    // phrase's length and the question's, so one shared word of a long question counts little.
    let phraseBonus = 0
    let phraseField: Field = 'synonym'
    for (const [field, phrase] of d.phrases) {
      const shared = [...new Set(phrase)].filter((t) => queryWords.has(t))
      if (shared.length === 0) continue
      const weight = shared.reduce((sum, t) => sum + query.get(t)!, 0)
      const bonus = (PHRASE_BONUS * WEIGHTS[field] * weight * shared.length * shared.length) / (new Set(phrase).size * ownWords)
      if (bonus > phraseBonus) [phraseBonus, phraseField] = [bonus, field]
    }
    relevance += phraseBonus
    if (phraseBonus > best[1]) best = [phraseField, phraseBonus]
    if (!exact && relevance <= 0) continue
    const m = d.metric
    scored.push({exact: Boolean(exact), relevance, hit: {id: m.id, display_name: m.display_name ?? null, description: m.description ?? null, score: 0, matched: exact?.[0] ?? best[0]}})
  }
  const top = Math.max(0, ...scored.filter((s) => !s.exact).map((s) => s.relevance))
  for (const s of scored) s.hit.score = s.exact ? 100 : Math.max(1, Math.round((90 * s.relevance) / top))
  return scored
    .sort((a, b) => Number(b.exact) - Number(a.exact) || b.relevance - a.relevance || a.hit.id.localeCompare(b.hit.id))
    .map((s) => s.hit)
}

/** `rev` is a prefix of `revenue`; only for words of three letters or more, so `a` matches nothing. */
function isPrefix(t: string, s: string): boolean {
  return t.length >= 3 && s.length > t.length && s.startsWith(t)
}
