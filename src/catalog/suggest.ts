/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}

/** Candidates within `max` edits of `word`, closest first. */
export function closest(word: string, candidates: Iterable<string>, max = 2): string[] {
  return [...new Set(candidates)]
    .map((c) => [c, editDistance(word.toLowerCase(), c.toLowerCase())] as const)
    .filter(([, d]) => d <= max)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c)
}

/**
 * Values that look like `word`: those it starts or ends (or that start with it: `Europe` -> `EU`),
 * then those within a small edit distance; case-insensitive, closest first.
 */
export function similarValues(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase()
  const scored: Array<[string, number]> = []
  for (const c of new Set(candidates)) {
    const l = c.toLowerCase()
    if (l === '' || l === w) continue
    const affix = w.startsWith(l) || l.startsWith(w) || w.endsWith(l) || l.endsWith(w)
    const distance = editDistance(w, l)
    if (affix) scored.push([c, -1])
    else if (distance <= Math.max(2, Math.floor(w.length / 3))) scored.push([c, distance])
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, max).map(([c]) => c)
}
