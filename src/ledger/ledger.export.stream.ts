// The export as an HTTP body: a web ReadableStream (Node and workerd alike) that reads the
// next page only when the client has taken the one before, so a download of any size holds
// one page of rows at a time, however slowly the client reads.
import type { Db } from '../../db/db.js';
import type { ExportReader } from '../deps.js';
import { describeError, type Logger } from '../lib/log.js';
import { EXPORT_HEADER, type Cursor, type ExportPage } from './ledger.export.js';

/**
 * Rows per query where the export has no connection of its own (D1). Keyset paging keeps
 * each page an index range scan however deep the export goes (0.13 ms at page 5000 vs 10 ms
 * with OFFSET: docs/platform-notes.md, Keyset paging), and bounds what one query reads, so a
 * D1 query stays far inside its time limit.
 */
export const EXPORT_PAGE_ROWS = 1000;

/** The runtime's reader for exports (Node: a read-only connection of its own), else pages through `db`. */
export function exportReader(open: (() => ExportReader) | undefined, db: Db, pageRows = EXPORT_PAGE_ROWS): ExportReader {
  return (
    open?.() ?? {
      db,
      pageRows,
      // D1 answers asynchronously, so other requests run between pages anyway
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      close: () => Promise.resolve(),
    }
  );
}

/** How a download ended: every row sent, the client went away, or a read failed part way. */
export type ExportOutcome = 'complete' | 'cancelled' | 'failed';

export type ExportStreamOptions = {
  reader: ExportReader;
  readPage(db: Db, after: Cursor | null, limit: number): Promise<ExportPage>;
  log: Logger;
  /**
   * Called once when the download ends, with the rows sent; on a complete export before the
   * body's last byte goes out. What it throws is logged, never sent.
   */
  onEnd?(end: { outcome: ExportOutcome; rows: number }): Promise<void>;
};

/**
 * Reads the first page before answering, so a database that fails at once is a clean 500
 * rather than a 200 cut short; the reader is closed on every path.
 */
export async function exportStream(opts: ExportStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { reader, readPage, log } = opts;
  let current: ExportPage | null;
  try {
    current = await readPage(reader.db, null, reader.pageRows);
  } catch (err) {
    await reader.close();
    throw err;
  }
  // an unreadable stored cell is written empty; whoever runs the server learns which
  const report = (page: ExportPage) => {
    for (const p of page.problems)
      log.error('contributions export: an unreadable cell was written empty', { contribution: p.id, column: p.column, reason: p.reason });
  };
  report(current);
  let rows = 0;
  let ended = false;
  const end = async (outcome: ExportOutcome) => {
    if (ended) return;
    ended = true;
    current = null;
    await reader.close();
    try {
      await opts.onEnd?.({ outcome, rows });
    } catch (err) {
      log.error('contributions export: recording its end failed', { outcome, rows, error: describeError(err) });
    }
  };
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(EXPORT_HEADER));
    },
    async pull(controller) {
      const page = current;
      if (!page) return;
      for (const chunk of page.chunks) controller.enqueue(encoder.encode(chunk));
      rows += page.rows;
      if (!page.next) {
        await end('complete');
        return controller.close();
      }
      // Reading a page is synchronous on Node: give the event loop a turn between pages
      // so other requests are served during a long export (docs/platform-notes.md, Sharing the event loop).
      await reader.pause();
      // the client may have gone away meanwhile, and the reader with it
      if (ended) return;
      try {
        current = await readPage(reader.db, page.next, reader.pageRows);
        report(current);
      } catch (err) {
        log.error('contributions export failed mid-stream', { error: describeError(err) });
        await end('failed');
        // erroring the stream cuts the chunked body short, so the client sees a failed download
        controller.error(err);
      }
    },
    cancel() {
      // the client went away
      return end('cancelled');
    },
  });
}
