/** @jsxImportSource hono/jsx */
import type {Child} from 'hono/jsx'

const KEYWORDS = new Set(
  `select from where and or not in is null as on join left right inner outer full cross group by order having limit offset union all distinct case when then else end with over partition between like ilike exists cast asc desc true false interval filter qualify using lateral window rows range preceding following current row unbounded values insert into`.split(' '),
)

// one pass over the text: comments, strings, quoted identifiers, numbers, words, anything else
const TOKEN = /(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?|([\s\S])/g

/** SQL as spans for the page's stylesheet (keywords, strings, numbers, comments, function names); the text itself is unchanged. */
export function highlightSql(sql: string): Child[] {
  const out: Child[] = []
  let plain = ''
  const flush = () => {
    if (plain) out.push(plain)
    plain = ''
  }
  for (const m of sql.matchAll(TOKEN)) {
    const [, comment, str, , num, word, call, other] = m
    if (comment !== undefined) (flush(), out.push(<span class="com">{comment}</span>))
    else if (str !== undefined) (flush(), out.push(<span class="str">{str}</span>))
    else if (num !== undefined) (flush(), out.push(<span class="num">{num}</span>))
    else if (word !== undefined) {
      if (KEYWORDS.has(word.toLowerCase())) (flush(), out.push(<span class="kw">{word}</span>))
      else if (call !== undefined) (flush(), out.push(<span class="fn">{word}</span>))
      else plain += word
      if (call !== undefined) plain += call
    } else plain += other ?? m[0]
  }
  flush()
  return out
}
