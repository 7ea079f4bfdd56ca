import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// One getrandom call per 4 KiB of ids instead of one per id: ids are minted on the benchmark's hot path.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
}

/** Uniform [0-9A-Za-z]{length} (6-bit draws, rejecting 62 and 63 to avoid modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    const sixBits = randomByte() & 63;
    if (sixBits < 62) out += ALPHABET[sixBits];
  }
  return out;
}

/** Stripe-style id, e.g. newId('cus', 14) → 'cus_Ab3…'. */
export function newId(prefix: string, length: number): string {
  return `${prefix}_${randomAlphanumeric(length)}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
