// The export's own read-only SQLite connection (Node). Long reads run here so they never
// wait for the app's writer or hold it up: WAL readers and the writer do not block each
// other, and a statement being read cannot share its connection with writes
// (docs/platform-notes.md, Readers beside the writer).
import { setImmediate as turn } from 'node:timers/promises';
import { openNodeDb } from '../../db/node.js';
import type { ExportReader } from '../deps.js';

export type NodeExportOptions = {
  /** rows per page */
  pageRows: number;
  /** SQLite's page cache for this connection, in KiB */
  cacheKiB: number;
  /**
   * Read every page in one transaction, so the export is one moment of the ledger. Not for
   * HTTP: a client that stops reading would hold the transaction open and keep the WAL
   * from being checkpointed for as long as it waits.
   */
  snapshot: boolean;
};

/**
 * Over HTTP. A page is read synchronously (about 4 µs a row at 1M rows on an idle
 * machine), so its size bounds how long other requests wait behind the export. Measured at
 * 1M rows with paced requests alongside: 500 rows a page kept the server's event-loop delay
 * at p99 11 ms (1,000 rows: 13-17 ms) and others' p99 at 9 ms (11-14 ms), in the same
 * download time. The page cache comes on top of everything the server holds, so it stays
 * small.
 */
export const NODE_HTTP_EXPORT: NodeExportOptions = { pageRows: 500, cacheKiB: 4_000, snapshot: false };

/**
 * The CLI shares its event loop with nothing. Larger pages gained nothing measurable and
 * keep more rows alive at each young-generation GC, which grows V8's heap (10,000 rows: +25
 * MiB peak RSS). 8 MiB of page cache was chosen when every entry searched its gift's
 * index (at 1M rows ~0.2 s less in reads than 4 MiB; 16 MiB added 8 MiB of peak RSS); the
 * export now reads the entries alone (docs/decisions/0011), so this is an upper bound.
 */
export const NODE_CLI_EXPORT: NodeExportOptions = { pageRows: 2500, cacheKiB: 8_000, snapshot: true };

/** Opens one reader per export; the caller closes it when the download ends. */
export function nodeExportReader(databasePath: string, opts: Partial<NodeExportOptions> = {}): () => ExportReader {
  const { pageRows, cacheKiB, snapshot } = { ...NODE_HTTP_EXPORT, ...opts };
  return () => {
    const handle = openNodeDb(databasePath, { readonly: true, cacheKiB });
    if (snapshot) handle.sqlite.exec('BEGIN');
    return {
      db: handle.db,
      pageRows,
      // setImmediate lets pending I/O run before the next page; setTimeout(0) would also
      // sleep at least 1 ms per page
      pause: () => turn(),
      close: () => {
        if (handle.sqlite.inTransaction) handle.sqlite.exec('COMMIT');
        return handle.close();
      },
    };
  };
}
