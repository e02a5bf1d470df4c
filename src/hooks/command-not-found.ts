import type {Hook} from '@oclif/core/hooks'

/**
 * `metricat quer`: a usage error (exit 2) that names the closest commands, in the same one-line
 * `Error:` / `Hint:` shape as every other error (and an error object on stdout under --json).
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const {closest, editDistance} = await import('../catalog/suggest.js')
  // oclif joins the words of the command line into the id: `quer revenue/mrr` -> `quer:revenue/mrr`.
  // The command typed is the prefix of those words that is closest to a command of as many words.
  const commands = config.commandIDs.filter((c) => !config.findCommand(c)?.hidden).map((c) => c.split(':'))
  const parts = id.split(':')
  let best = {words: parts.join(' '), distance: Infinity, suggestions: [] as string[]}
  for (let n = 1; n <= parts.length; n++) {
    const words = parts.slice(0, n).join(' ')
    const same = commands.filter((c) => c.length === n).map((c) => c.join(' '))
    const near = closest(words, same, Math.max(2, Math.floor(words.length / 3)))
    const distance = near.length > 0 ? editDistance(words, near[0]!) : Infinity
    if (distance < best.distance) best = {words, distance, suggestions: near.filter((c) => editDistance(words, c) === distance)}
  }
  // nothing close: the commands that start with what was typed (`sour` -> `sources add`, ...)
  const words = best.distance < Infinity ? best.words : parts[0]!
  const suggestions = (best.suggestions.length > 0 ? best.suggestions : commands.map((c) => c.join(' ')).filter((c) => c.startsWith(words))).slice(0, 3)
  const message = `unknown command "${words}"`
  const hint = suggestions.length > 0 ? `did you mean ${suggestions.map((s) => `\`${config.bin} ${s}\``).join(' or ')}?` : `\`${config.bin} --help\` lists the commands`
  process.exitCode = 2
  if (argv?.includes('--json')) process.stdout.write(`${JSON.stringify({error: {code: 'USAGE', message, details: {suggestions}}}, null, 2)}\n`)
  process.stderr.write(`Error: ${message}\nHint: ${hint}\n`)
}

export default hook
