// WAL checkpoints on a worker thread (Node only; started by db/node.ts when asked).
// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold: it
// copies the WAL back into the database file and fsyncs both, and better-sqlite3 is
// synchronous, so the event loop stood still meanwhile, every few group commits under
// webhook load. A second connection on its own thread does that work instead; PASSIVE
// never waits for or blocks the writer (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one checkpoint reported: WAL frames in the log and frames copied to the database. */
export type CheckpointResult = { busy: number; log: number; checkpointed: number };

export type Checkpointer = { stop(): Promise<void>; onCheckpoint(listener: (r: CheckpointResult) => void): void };

// CommonJS, run by the worker: it cannot import this project's TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r.log > 0) parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); tick(); db.close(); parentPort.close(); });
`;

export function startCheckpointer(path: string, opts: { everyMs: number; onError(message: string): void }): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, everyMs: opts.everyMs, driver } });
  // never keeps the process alive on its own
  worker.unref();
  const listeners: ((r: CheckpointResult) => void)[] = [];
  worker.on('message', (m: CheckpointResult | { error: string }) => {
    if ('error' in m) opts.onError(m.error);
    else for (const l of listeners) l(m);
  });
  worker.on('error', (err) => opts.onError(err.message));
  return {
    onCheckpoint: (listener) => void listeners.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
