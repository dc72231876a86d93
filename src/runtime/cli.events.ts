// The webhook's operator commands: Stripe events kept out of the ledger. Node-only.
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import type { Config } from '../config.js';
import { storedIsoTime } from '../ledger/ledger.cells.js';
import { applyEvent } from '../webhooks/webhooks.apply.js';
import { listQuarantinedEvents, quarantinedPayload, type QuarantinedEvent } from '../webhooks/webhooks.repo.js';
import { withDeps } from './cli.ledger.js';

/** What Stripe sent as a type may be anything: printed as a JSON string unless it is plain. */
const printable = (text: string): string => (/^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text));

function describe(e: QuarantinedEvent): string {
  const received = storedIsoTime(e.receivedAt) ?? String(e.receivedAt);
  const lines = [`${e.id}  ${e.type ? printable(e.type) : '(no type)'}  received ${received}${e.livemode ? '  live' : ''}`];
  for (const [field, why] of Object.entries(e.errors)) lines.push(`  ${field}: ${why}`);
  return lines.join('\n');
}

/** `npm run cli -- events quarantined`: exit 0 whether or not there are any; the list is the answer. */
export async function eventsQuarantinedCommand(config: Config, opts: { limit: number }, out: NodeJS.WritableStream): Promise<number> {
  const handle = openNodeDb(config.databasePath);
  try {
    migrateNodeDb(handle);
    // one more than asked says whether the list was cut short
    const events = await listQuarantinedEvents(handle.db, { limit: opts.limit + 1 });
    if (!events.length) {
      out.write('No quarantined events.\n');
      return 0;
    }
    const shown = events.slice(0, opts.limit);
    out.write(`${shown.map(describe).join('\n\n')}\n`);
    if (events.length > opts.limit) out.write(`\nMore quarantined events are stored; show them with --limit ${opts.limit * 10}.\n`);
    return 0;
  } finally {
    await handle.close();
  }
}

/**
 * `npm run cli -- events retry evt_…`: applies a quarantined event again from the bytes it
 * arrived in, through the same path as a delivery (after a fix, or once Stripe has the object
 * it names). 0: applied; 1: not a quarantined event, or quarantined again (its fields printed).
 */
export async function eventsRetryCommand(config: Config, id: string, out: NodeJS.WritableStream): Promise<number> {
  return withDeps(config, async (deps) => {
    const payload = await quarantinedPayload(deps.db, id);
    if (payload == null) {
      out.write(`${id} is not a quarantined event (see npm run cli -- events quarantined).\n`);
      return 1;
    }
    const outcome = await applyEvent(deps, JSON.parse(payload) as unknown, payload);
    if (outcome.quarantined) {
      out.write(`${id} is still quarantined; nothing was applied:\n`);
      for (const [field, why] of Object.entries(outcome.errors)) out.write(`  ${field}: ${why}\n`);
      return 1;
    }
    out.write(`${id} applied.\n`);
    return 0;
  });
}
