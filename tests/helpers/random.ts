// Seeded randomness for tests that deliver events in random orders: a failing order is
// replayed from its seed. No test-runner imports, so scripts (npm run soak) use it too.

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A random order in which about a third of the events are delivered again, anywhere. */
export function shuffledWithDuplicates<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (const item of items) if (random() < 0.35) out.push(item);
  return shuffle(out, random);
}
