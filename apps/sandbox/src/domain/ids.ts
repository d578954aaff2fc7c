import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { API_SECRET_PATTERN } from '@accrupay/contracts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}

/** A random identifier with a type prefix, e.g. `txn_4fQ...`. */
export function newId(prefix: string, length = 20): string {
  return `${prefix}_${base62(randomBytes(length))}`;
}

export function newSessionId(): string {
  return randomUUID();
}

function checksum(body: string): string {
  return base62(createHash('sha256').update(body).digest()).slice(0, 6);
}

/** A new API secret, `sk_test_` + 32 random characters + a 6-character checksum. */
export function newApiSecret(): string {
  const body = base62(randomBytes(32));
  return `sk_test_${body}${checksum(body)}`;
}

/** Whether a string is a well-formed API secret (the contract's format) whose checksum matches. */
export function isWellFormedApiSecret(secret: string): boolean {
  const match = API_SECRET_PATTERN.exec(secret);
  if (!match?.[1] || !match[2]) return false;
  const expected = Buffer.from(checksum(match[1]));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A new merchant public id, `pk_test_` + 24 random characters. */
export function newMerchantPublicId(): string {
  return `pk_test_${base62(randomBytes(24))}`;
}

/** SHA-256 hex: how secrets are stored and requests fingerprinted. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** JSON with sorted keys and bigints as strings: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      );
    }
    return v;
  });
}
