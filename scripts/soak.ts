// npm run soak -- --events 10000 [--seed N] [--senders 32] [--kills 2]: the webhook storm
// of tests/storm.test.ts at full size. Prints what was sent and the ledger's totals against
// the generated truth; exits 1 on any difference. A failing seed reruns the same stream.
import { parseArgs } from 'node:util';
import { formatStormReport, runStorm } from '../tests/helpers/storm.run.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    senders: { type: 'string', default: '32' },
    kills: { type: 'string', default: '2' },
  },
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const started = Date.now();
const report = await runStorm({
  events: Number(values.events),
  seed,
  senders: Number(values.senders),
  kills: Number(values.kills),
  log: (line) => process.stderr.write(`${line}\n`),
});
console.log(formatStormReport(report));
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
if (!report.ok) {
  process.stderr.write(`\nserver output (last 4,000 characters):\n${report.serverOutput.slice(-4000)}\n`);
  process.exit(1);
}
