// npm run fuzz -- [--runs N] [--target checkout|webhook|pages|signin] [--seed S]: the
// property-based fuzzers of tests/fuzz at any size. `npm test` runs each target with 1,000
// cases and the fixed seed; a failure prints its seed, and this command with that seed
// replays the same cases. Without --seed a fresh one is drawn and printed.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const TARGETS = ['checkout', 'webhook', 'pages', 'signin'] as const;

const usage = `usage: npm run fuzz -- [--runs N] [--target ${TARGETS.join('|')}] [--seed S]`;
let values: { runs?: string; target?: string; seed?: string };
try {
  ({ values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, target: { type: 'string' }, seed: { type: 'string' } } }));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
  process.exit(64);
}
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number of cases, at least 1\n${usage}`);
  process.exit(64);
}
if (values.target !== undefined && !(TARGETS as readonly string[]).includes(values.target)) {
  console.error(`--target must be one of ${TARGETS.join(', ')}\n${usage}`);
  process.exit(64);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^-?\d+$/.test(seed)) {
  console.error(`--seed must be a whole number\n${usage}`);
  process.exit(64);
}

const files = (values.target ? [values.target] : TARGETS).map((t) => `tests/fuzz/${t}.fuzz.test.ts`);
console.log(`fuzzing ${values.target ?? TARGETS.join(', ')}: ${runs} cases per target, seed ${seed}`);
const result = spawnSync('npx', ['vitest', 'run', '--project', 'node', ...files], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
