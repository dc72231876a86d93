// The webhook storm at CI size: 1,000 events of realistic histories, 30% delivered twice,
// shuffled, 32 senders, retries with backoff, and the server SIGKILLed and restarted on the
// same database twice mid-stream. The ledger must equal the generated truth exactly.
// `npm run soak -- --events 10000` runs the same at full size; STORM_SEED=N reruns a stream.
import { describe, expect, it } from 'vitest';
import { formatStormReport, runStorm } from './helpers/storm.run.js';

const SEED = process.env.STORM_SEED ? Number(process.env.STORM_SEED) : Math.floor(Math.random() * 2 ** 31);

describe('webhook storm with crashes', () => {
  it(
    `loses nothing and doubles nothing: 1,000 events, duplicates, shuffled, 32 senders, two SIGKILLs (seed ${SEED})`,
    async () => {
      const report = await runStorm({ events: 1000, seed: SEED, senders: 32, kills: 2 });
      const summary = formatStormReport(report);
      console.log(`webhook storm\n${summary}`);
      expect(report.events).toBe(1000);
      expect(report.duplicates).toBe(300);
      expect(report.kills).toBe(2);
      // the crashes cut deliveries off mid-way, so some were retried
      expect(Object.keys(report.retries).length).toBeGreaterThan(0);
      expect(report.undelivered, summary).toEqual([]);
      expect(report.unrecorded, summary).toEqual([]);
      expect(report.unprocessed, summary).toEqual([]);
      expect(report.missing, summary).toEqual([]);
      expect(report.unexpected, summary).toEqual([]);
      expect(report.doubled, summary).toEqual([]);
      expect(report.different, summary).toEqual([]);
      expect(report.stripeUnhandled, summary).toEqual([]);
      expect(report.totals.actual, summary).toEqual(report.totals.expected);
      expect(report.ok, `${summary}\n\nserver output:\n${report.serverOutput.slice(-4000)}`).toBe(true);
    },
    // generous: a busy 2-core machine; nothing in the run depends on how long it takes
    15 * 60_000,
  );
});
