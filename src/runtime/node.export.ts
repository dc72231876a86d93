// The export's own read-only SQLite connection (Node). Long reads run here so they never
// wait for the app's writer or hold it up: WAL readers and the writer do not block each
// other, and a statement being read cannot share its connection with writes (STACK.md).
import { setImmediate as turn } from 'node:timers/promises';
import { openNodeDb } from '../../db/node.js';
import type { ExportReader } from '../deps.js';

/**
 * Rows per page over HTTP. A page is read synchronously (about 3-4 µs a row at 1M rows),
 * so this bounds how long other requests wait behind the export: ~10 ms per page.
 */
export const NODE_HTTP_EXPORT_PAGE_ROWS = 2500;

/** Rows per page for the CLI, which shares its event loop with nothing. */
export const NODE_CLI_EXPORT_PAGE_ROWS = 10_000;

/**
 * Opens one reader per export; the caller closes it when the download ends.
 * `snapshot` reads every page in one transaction, so the export is one moment of the
 * ledger. The CLI does; HTTP does not, because a client that stops reading would hold
 * the transaction open and keep the WAL from being checkpointed for as long as it waits.
 */
export function nodeExportReader(databasePath: string, opts: { pageRows?: number; snapshot?: boolean } = {}): () => ExportReader {
  return () => {
    const handle = openNodeDb(databasePath, { readonly: true });
    if (opts.snapshot) handle.sqlite.exec('BEGIN');
    return {
      db: handle.db,
      pageRows: opts.pageRows ?? NODE_HTTP_EXPORT_PAGE_ROWS,
      // setImmediate lets pending I/O run before the next page; setTimeout(0) would also
      // sleep at least 1 ms per page
      pause: () => turn(),
      close: () => {
        if (handle.sqlite.inTransaction) handle.sqlite.exec('COMMIT');
        handle.close();
      },
    };
  };
}
