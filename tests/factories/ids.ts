// Ids for test data: unique within a test file's run and the same on every run, so a failure
// names the same rows each time it is replayed.
const counters = new Map<string, number>();

/** `gift` -> gift_test0001, gift_test0002, …; each prefix counts on its own. */
export function testId(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_test${String(n).padStart(4, '0')}`;
}
