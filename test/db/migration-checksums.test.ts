// A migration that has shipped is never edited (src/db/migrations/index.ts): every catalog it was
// applied to records its checksum, and a build whose migration text differs refuses those files
// ("the database was made by a different build"). Migration 11 builds its SQL from a list in
// its file, so a reformatted list changes its text as surely as an edited statement. This pins
// each shipped migration's checksum; a new migration adds its line here when it lands.
import {describe, expect, it} from 'vitest'

import {MIGRATIONS} from '../../src/db/migrations/index.js'
import {migrationChecksum} from '../../src/db/migrator.js'

const SHIPPED: [number, string, string][] = [
  [1, 'initial', 'e20190b30d02163f1908f7f67a85f46d2c3a406717fc1e9c333494addf8a8ca0'],
  [2, 'points', 'd652339646b5551f79aeca5161813096456891739c81b3a32869c6ab8c693c55'],
  [3, 'api-tokens', 'c981bc9cd475203ef6a5144266ff8ac4e571912d961d7d0e658f3a139ce7ed62'],
  [4, 'time-aggregation', '64452ed9afd50408a179028e82ed76e9bc25ce0e60417cd8bd942a2b2c2a07a6'],
  [5, 'text-dimensions', 'fba49de662123715b659446729d93a0e6114c7bf39c1df1363a5a134a06aef08'],
  [6, 'vocabulary', '67d1a5a280526499d37e75699090196100e74ab7af84d8bf6fb8017aa6400d41'],
  [7, 'scheduled-sources', 'bf5a6217be3d9129315baf668f1f8f1969f12aa635a97c950522628a669411cd'],
  [8, 'chart', 'c13265edf3e8a09106bbb0446168b0963a764fcb5991f4c2465f13e74057d628'],
  [9, 'data-versions', '9631763e9e9eae1104ce867d1850c8ea951b90364b2dc9b40086bc6034ac4088'],
  [10, 'rollups', '31a29715ab357a403eb9dfc02ed18defb78abb01da28d39a7c99910ebac161b1'],
  [11, 'definition-fields-json', 'c3cadc7c8a7032134a0b289fcd0f251f1b6714a41ef8b2823734d7be4de85bff'],
]

describe('shipped migrations', () => {
  it.each(SHIPPED)('migration %i (%s) has the text it shipped with', (version, name, checksum) => {
    const m = MIGRATIONS.find((x) => x.version === version)
    expect(m?.name).toBe(name)
    expect(migrationChecksum(m!)).toBe(checksum)
  })

  it('every migration is listed here', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(SHIPPED.map(([v]) => v))
  })
})
