// Vitest sets NODE_ENV=test in its workers, and every child process a test starts inherits it.
// Users never run metricat so: seeing it, oclif registers tsx (to run TypeScript sources) in every
// spawned `bin/run.js` and `metricat serve`, ~1 s of CPU each, and prints development warnings.
// Tests run the commands as users do, without it.
delete process.env.NODE_ENV
