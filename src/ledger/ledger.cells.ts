// Stored values read back as what their column says, or null. SQLite keeps whatever was
// written (a text amount, a time of 1e20, a blob), and rows older than the webhook's
// parsing, or written by hand, may hold such values: every report reads its money columns
// through these, so one bad cell is named, never a crash or a silently wrong total.

/** Whole minor units JavaScript holds exactly. */
export function storedMinor(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
}

/** A lower-case three-letter code, the only form the ledger writes. */
export function storedCurrency(v: unknown): string | null {
  return typeof v === 'string' && /^[a-z]{3}$/.test(v) ? v : null;
}

/** Milliseconds as Date#toISOString writes them, within years 0000-9999 (beyond, it adds a sign and two digits). */
export function storedIsoTime(v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 8.64e15) return null;
  const iso = new Date(v).toISOString();
  return iso.length === 24 ? iso : null;
}

export function storedText(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export const UNREADABLE = {
  minor: 'is not a whole number of minor units',
  currency: 'is not a three-letter lower-case currency code',
  time: 'is not a time in milliseconds within years 0000-9999',
  text: 'is not text',
} as const;

/** How a stored row names itself in a report: its id, whatever was stored there. */
export function storedId(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}
