// Sortable, prefixed ids: a millisecond timestamp then 80 random bits, Crockford base32.
// Time-ordered ids keep inserts at the end of the primary-key b-tree.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

export function newId(prefix: string, nowMs: number): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    // 5 bits per character from the 80 random bits
    const bit = i * 5;
    const byte = bit >> 3;
    const word = ((bytes[byte]! << 8) | (bytes[byte + 1] ?? 0)) >> (11 - (bit & 7));
    rand += ALPHABET[word & 31];
  }
  return `${prefix}_${encodeTime(nowMs)}${rand}`;
}
