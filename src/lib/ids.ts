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

// Random bytes are drawn from the system 4 KiB at a time: one getRandomValues call per id
// was a few percent of a webhook's CPU (each event makes several ids). Each byte is used once.
const POOL_BYTES = 4096;
const ID_BYTES = 10;
let pool = new Uint8Array(0);
let used = 0;

function randomBytes(): number {
  if (used + ID_BYTES > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  const at = used;
  used += ID_BYTES;
  return at;
}

export function newId(prefix: string, nowMs: number): string {
  const at = randomBytes();
  const bytes = pool;
  let rand = '';
  for (let i = 0; i < 16; i++) {
    // 5 bits per character from the 80 random bits
    const bit = i * 5;
    const byte = at + (bit >> 3);
    const next = (bit >> 3) + 1 < ID_BYTES ? bytes[byte + 1]! : 0;
    const word = ((bytes[byte]! << 8) | next) >> (11 - (bit & 7));
    rand += ALPHABET[word & 31];
  }
  return `${prefix}_${encodeTime(nowMs)}${rand}`;
}
