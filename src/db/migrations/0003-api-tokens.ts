/** API tokens for `metricat serve` (README "Tokens and roles"): only a sha256 of each token is kept. */
export default {
  version: 3,
  name: 'api-tokens',
  sql: `
CREATE TABLE metricat.api_tokens (
  name VARCHAR PRIMARY KEY,
  role VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'service')),
  token_hash VARCHAR NOT NULL UNIQUE,
  prefix VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
);
`,
}
