/** Runs `fn` over `items` with at most `n` at a time; the results in the order of `items`. */
export async function pooled<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({length: Math.min(n, items.length)}, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    }),
  )
  return out
}

/**
 * `fn` over every item, at most `n` at a time, started on the first call and kept: for a table of
 * tests (`it.each`) whose cases each await their own answer (`answers(item)`) while all of them are
 * computed together. A failure belongs to its item: its test fails, the others do not.
 */
export function batched<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): (item: T) => Promise<R> {
  let settled: Promise<PromiseSettledResult<R>[]> | undefined
  return async (item) => {
    const index = items.indexOf(item)
    if (index < 0) throw new Error('batched: not one of the items')
    settled ??= pooled(items, n, (x) => fn(x).then((value) => ({status: 'fulfilled', value}) as const, (reason: unknown) => ({status: 'rejected', reason}) as const))
    const result = (await settled)[index]!
    if (result.status === 'rejected') throw result.reason
    return result.value
  }
}
