import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DIGITS = '0123456789';

let pool = Buffer.alloc(0);
let poolAt = 0;

function randomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  return pool[poolAt++] as number;
}

/** `length` characters drawn uniformly from `alphabet` with the operating system's CSPRNG (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    if (b < limit) out += alphabet[b % alphabet.length];
  }
  return out;
}

/** Random letters and digits (both cases), as Stripe ids use. */
export function randomAlphanumeric(length: number): string {
  return randomString(length, ALNUM);
}

/** Random upper-case letters and digits (Nuvei auth codes). */
export function randomUpperAlphanumeric(length: number): string {
  return randomString(length, UPPER_ALNUM);
}

/** A random decimal number of exactly `length` digits without a leading zero (Nuvei ids). */
export function randomNumeric(length: number): string {
  return randomString(1, '123456789') + randomString(length - 1, DIGITS);
}

/** Draws with `draw` until `taken` says the value is new (a guard against the rare random repeat within one store). */
export function freshId(draw: () => string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = draw();
    if (!taken(id)) return id;
  }
}

/** A random RFC 4122 version 4 UUID. */
export function uuid(): string {
  return randomUUID();
}
