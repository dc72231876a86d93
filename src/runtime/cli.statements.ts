// `npm run cli -- statements send --year 2026`: every supporter's annual statement, one
// email per supporter and currency, queued in the outbox. Node-only.
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import type { Config } from '../config.js';
import { buildStatements, statementKey } from '../ledger/ledger.statements.js';
import { statementEntries } from '../ledger/ledger.statements.repo.js';
import { queuedKeys } from '../mail/mail.repo.js';
import { createMailPort } from '../mail/mail.port.js';

/** Statements per atomic write: a large list is queued in pieces, each all or nothing. */
const BATCH = 200;

export async function statementsSendCommand(config: Config, opts: { year: number; now: number }, out: NodeJS.WritableStream): Promise<number> {
  const handle = openNodeDb(config.databasePath);
  try {
    migrateNodeDb(handle);
    const mail = createMailPort(() => opts.now);
    const statements = buildStatements(opts.year, await statementEntries(handle.db, opts.year));
    let queued = 0;
    for (let i = 0; i < statements.length; i += BATCH) {
      const batch = statements.slice(i, i + BATCH).map((s) => ({ key: statementKey(opts.year, s.props.currency, s.email), s }));
      // the outbox's unique key drops a statement already queued by an earlier run
      const before = await queuedKeys(
        handle.db,
        batch.map((b) => b.key),
      );
      await handle.db.atomic(batch.map((b) => mail.queue({ key: b.key, template: 'statement', to: b.s.email, props: b.s.props })));
      queued += batch.length - before.size;
    }
    out.write(
      `${opts.year}: ${statements.length} statements (supporter and currency); ${queued} queued now, ${statements.length - queued} already queued before.\n`,
    );
    return 0;
  } finally {
    await handle.close();
  }
}
