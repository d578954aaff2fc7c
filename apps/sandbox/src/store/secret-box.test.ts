import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseKey, SecretBox, WrongKeyError } from './secret-box.ts';

const key = randomBytes(32);

describe('SecretBox', () => {
  it('seals to enc:v1 with a fresh IV each time, and opens its own values', () => {
    const box = new SecretBox(key);
    const first = box.seal('{"secretKey":"sk_live_x"}');
    const second = box.seal('{"secretKey":"sk_live_x"}');
    expect(first).toMatch(/^enc:v1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(first).not.toBe(second);
    expect(box.open(first)).toBe('{"secretKey":"sk_live_x"}');
    expect(box.open('{"plain":true}')).toBe('{"plain":true}');
  });

  it('refuses another key, a changed ciphertext or tag, and a malformed value', () => {
    const sealed = new SecretBox(key).seal('secret');
    const box = new SecretBox(key);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(WrongKeyError);
    const [iv, tag, data] = sealed.slice('enc:v1:'.length).split(':') as [string, string, string];
    const flipped = (text: string) =>
      Buffer.from(
        Buffer.from(text, 'base64url').map((byte, i) => (i === 0 ? byte ^ 1 : byte)),
      ).toString('base64url');
    expect(() => box.open(`enc:v1:${iv}:${tag}:${flipped(data)}`)).toThrow(WrongKeyError);
    expect(() => box.open(`enc:v1:${iv}:${flipped(tag)}:${data}`)).toThrow(WrongKeyError);
    expect(() => box.open(`enc:v1:${iv}:${tag}`)).toThrow('malformed');
    expect(() => box.open(`enc:v1:${iv}:x:${data}`)).toThrow('malformed');
  });
});

describe('parseKey', () => {
  it('takes 64 hex digits, base64 and base64url of 32 bytes, trimmed', () => {
    expect(parseKey(key.toString('hex'), 'K')).toEqual(key);
    expect(parseKey(`${key.toString('base64')}\n`, 'K')).toEqual(key);
    expect(parseKey(key.toString('base64url'), 'K')).toEqual(key);
  });

  it('names where the key came from and how to make one', () => {
    expect(() => parseKey(randomBytes(16).toString('base64'), 'ACCRUPAY_CREDENTIALS_KEY')).toThrow(
      'ACCRUPAY_CREDENTIALS_KEY must hold a 32-byte key as base64 or 64 hex digits; it decodes to 16 bytes (generate one with `openssl rand -base64 32`)',
    );
    expect(() => parseKey('not a key!', 'The key file /x')).toThrow(
      'The key file /x must hold a 32-byte key as base64 or 64 hex digits; it is neither',
    );
  });
});
