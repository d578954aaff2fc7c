import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The environment variable that holds the key of the provider credentials. */
export const CREDENTIALS_KEY_ENV = 'ACCRUPAY_CREDENTIALS_KEY';

/** The prefix of a sealed value: `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64url. */
export const SEALED_PREFIX = 'enc:v1:';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_HINT = 'generate one with `openssl rand -base64 32`';

/** The key given or its file is unusable; the message names the variable or file and the fix. */
export class CredentialsKeyError extends Error {
  override readonly name = 'CredentialsKeyError';
}

/** A value that cannot be opened with this key: sealed with another key, or damaged. */
export class WrongKeyError extends Error {
  override readonly name = 'WrongKeyError';
}

/** Where the key came from, for messages that say what to change. */
export type KeySource =
  | { kind: 'env' }
  | { kind: 'file'; path: string }
  | { kind: 'ephemeral' }
  | { kind: 'option' };

export function describeKeySource(source: KeySource): string {
  switch (source.kind) {
    case 'env':
      return `the key in ${CREDENTIALS_KEY_ENV}`;
    case 'file':
      return `the key file ${source.path}`;
    case 'ephemeral':
      return 'an ephemeral key';
    case 'option':
      return 'the credentialsKey option';
  }
}

/** AES-256-GCM over strings, with a versioned text format; values without the prefix are plain. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(
    key: Buffer,
    readonly source: KeySource = { kind: 'option' },
  ) {
    if (key.length !== KEY_BYTES) throw new Error(`a credentials key is ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  static random(): SecretBox {
    return new SecretBox(randomBytes(KEY_BYTES), { kind: 'ephemeral' });
  }

  static isSealed(value: string): boolean {
    return value.startsWith(SEALED_PREFIX);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${SEALED_PREFIX}${[iv, tag, ciphertext].map((part) => part.toString('base64url')).join(':')}`;
  }

  /** The plain text of a sealed value; a value without the prefix (written before encryption) as it is. */
  open(stored: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const parts = stored.slice(SEALED_PREFIX.length).split(':');
    if (parts.length !== 3) throw new WrongKeyError('the sealed value is malformed');
    const [iv, tag, ciphertext] = parts.map((part) => Buffer.from(part, 'base64url')) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new WrongKeyError('the sealed value is malformed');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new WrongKeyError('the value was sealed with another key, or is damaged', {
        cause: error,
      });
    }
  }
}

/**
 * A 32-byte key from its text: 64 hex digits, or base64 / base64url of 32 bytes. `where` names
 * the variable or file it came from, for the message.
 */
export function parseKey(text: string, where: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(
      value,
      value.includes('-') || value.includes('_') ? 'base64url' : 'base64',
    );
    if (decoded.length === KEY_BYTES) return decoded;
    throw new CredentialsKeyError(
      `${where} must hold a 32-byte key as base64 or 64 hex digits; it decodes to ${decoded.length} bytes (${KEY_HINT})`,
    );
  }
  throw new CredentialsKeyError(
    `${where} must hold a 32-byte key as base64 or 64 hex digits; it is neither (${KEY_HINT})`,
  );
}

/** Reads the key file at `path`, creating it (mode 0600, a fresh random key) when missing. */
export function loadOrCreateKeyFile(path: string): SecretBox {
  const file = resolve(path);
  const existing = readKeyFile(file);
  if (existing) return fromKeyFile(existing, file);
  const text = `${randomBytes(KEY_BYTES).toString('base64')}\n`;
  // Written aside and linked into place, so that two processes starting at once agree on one key
  // and neither reads a half-written file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredentialsKeyError(
      `Cannot create the credentials key file ${file}: ${reason}. Make its directory writable, or set ${CREDENTIALS_KEY_ENV} to a 32-byte key (${KEY_HINT}).`,
      { cause: error },
    );
  }
  return fromKeyFile(readKeyFile(file) ?? '', file);
}

function fromKeyFile(text: string, path: string): SecretBox {
  return new SecretBox(parseKey(text, `The key file ${path}`), { kind: 'file', path });
}

function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredentialsKeyError(
      `Cannot read the credentials key file ${path}: ${reason}. Make it readable, or set ${CREDENTIALS_KEY_ENV}.`,
      { cause: error },
    );
  }
}

/** The key file used when no key is given: beside a SQLite file, else in `.accrupay/` of `cwd`. */
export function defaultKeyFile(database: {
  sqliteFile?: string | undefined;
  cwd?: string;
}): string {
  if (database.sqliteFile !== undefined) {
    return join(dirname(resolve(database.sqliteFile)), 'credentials.key');
  }
  return resolve(database.cwd ?? process.cwd(), '.accrupay', 'credentials.key');
}

/**
 * The box for a database: the given key, else $ACCRUPAY_CREDENTIALS_KEY, else an ephemeral key
 * for an in-memory database, else the key file (created on first start).
 */
export function credentialsBoxFor(options: {
  key?: string | undefined;
  env?: NodeJS.ProcessEnv;
  memory: boolean;
  keyFile: string;
}): SecretBox {
  if (options.key !== undefined) {
    return new SecretBox(parseKey(options.key, 'The credentialsKey option'), { kind: 'option' });
  }
  const fromEnv = (options.env ?? process.env)[CREDENTIALS_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return new SecretBox(parseKey(fromEnv, CREDENTIALS_KEY_ENV), { kind: 'env' });
  }
  if (options.memory) return SecretBox.random();
  return loadOrCreateKeyFile(options.keyFile);
}
