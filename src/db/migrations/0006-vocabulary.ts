// The catalog's own search vocabulary (`vocabulary:` in metrics/metrics.yml): a word or phrase of
// a question -> the words metrics are described with. Replaced as a whole by an import whose
// index has the key; search adds it to the built-in one.
export default {
  version: 6,
  name: 'vocabulary',
  sql: `
CREATE TABLE metricat.vocabulary (
  word VARCHAR PRIMARY KEY,
  -- a JSON array of strings
  expansions VARCHAR NOT NULL
);
`,
}
