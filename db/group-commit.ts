// Group commit for better-sqlite3 (Node only; wired in db/node.ts). A commit is the
// expensive part of a small write, and each atomic() call used to pay for its own. Here
// every atomic() issued during one event-loop turn joins one transaction, flushed by
// setImmediate once the turn's I/O callbacks have run; each write runs in its own
// savepoint, so a failing one rolls back alone and rejects only its own caller, and every
// caller's promise settles after the COMMIT, so nobody replies before their write is
// durable. One commit per turn measured ~29% of bare Hono vs ~12% for one per request
// (docs/platform-notes.md, One commit per event-loop turn).
import type { Statement } from './db.js';

type AtomicRunner = (statements: readonly Statement[]) => Promise<unknown[]>;

type Pending = { statements: readonly Statement[]; resolve(results: unknown[]): void; reject(err: unknown): void };
type Outcome = { ok: true; results: unknown[] } | { ok: false; error: unknown };

/** The part of better-sqlite3's Database this needs: nested transaction() calls become savepoints. */
type Transactions = { transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R };

export type GroupCommitOptions = {
  /**
   * Runs one group's COMMIT at the durability it needs (db/node.ts: synchronous=FULL, so a
   * reply sent after it survives power loss). Called outside any transaction, where SQLite
   * lets the setting change.
   */
  durably?<T>(commit: () => T): T;
};

export function createGroupCommit(sqlite: Transactions, run: (statement: Statement) => unknown, opts: GroupCommitOptions = {}): AtomicRunner {
  const durably = opts.durably ?? (<T>(commit: () => T) => commit());
  let queue: Pending[] = [];
  let scheduled = false;

  // Called inside the outer transaction, better-sqlite3 wraps this in SAVEPOINT / RELEASE
  // and rolls back to the savepoint when it throws.
  const inSavepoint = sqlite.transaction((statements: readonly Statement[]) => statements.map(run));
  const commitAll = sqlite.transaction((batch: Pending[]): Outcome[] =>
    batch.map((p) => {
      try {
        return { ok: true, results: inSavepoint(p.statements) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = durably(() => commitAll(batch));
    } catch (error) {
      // BEGIN or COMMIT itself failed (disk full, a lock held past busy_timeout): nothing was written.
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.results);
      else p.reject(o.error);
    });
  };

  return (statements) =>
    new Promise<unknown[]>((resolve, reject) => {
      queue.push({ statements, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
