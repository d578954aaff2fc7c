import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import AccruPay, {
  AccruPayError,
  AccruPayValidationError,
  AccruPayWebhookVerificationError,
  constructEvent,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookErrorCode,
  type WebhookHeaders,
  webhooks,
} from './index.ts';
import {
  makeSecret,
  SESSION_EVENT_WIRE as SESSION_EVENT,
  SESSION_WIRE,
  TRANSACTION_EVENT_WIRE as TRANSACTION_EVENT,
  TRANSACTION_WIRE,
} from './test-fixtures.ts';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const SECRET = newSecret();
const OTHER_SECRET = newSecret();
const NOW = new Date('2030-01-15T12:00:00.000Z');
const EVENT_ID = 'evt_1';

const BODY = JSON.stringify(SESSION_EVENT);

/** Signs as the sandbox does, with standardwebhooks' own Webhook#sign. */
function signed(
  body: string | Uint8Array = BODY,
  {
    id = EVENT_ID,
    at = NOW,
    secrets = [SECRET],
  }: { id?: string; at?: Date; secrets?: string[] } = {},
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}

const options: VerifyWebhookOptions = { now: NOW };

function refusal(run: () => unknown): AccruPayWebhookVerificationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AccruPayWebhookVerificationError);
    return error as AccruPayWebhookVerificationError;
  }
  throw new Error('expected a refusal, but it was accepted');
}

function expectRefused(run: () => unknown, code: WebhookErrorCode, ...mentions: string[]) {
  const error = refusal(run);
  expect(error.code).toBe(code);
  for (const mention of mentions) expect(error.message).toContain(mention);
  return error;
}

describe('a genuine delivery', () => {
  test.each([
    ['a string', BODY],
    ['a Buffer', Buffer.from(BODY)],
    ['a Uint8Array', new TextEncoder().encode(BODY)],
  ])('is accepted as %s', (_name, body) => {
    expect(verifyWebhook(body, signed(), SECRET, options)).toEqual({
      id: EVENT_ID,
      timestamp: NOW,
    });
  });

  test('is accepted as an ArrayBuffer', () => {
    const bytes = new TextEncoder().encode(BODY);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    expect(verifyWebhook(buffer, signed(), SECRET, options).id).toBe(EVENT_ID);
  });

  test('reads a Fetch Headers', () => {
    expect(verifyWebhook(BODY, new Headers(signed()), SECRET, options).id).toBe(EVENT_ID);
  });

  test.each([
    ['Title-Case', (name: string) => name.replace(/(^|-)\w/g, (c) => c.toUpperCase())],
    ['UPPER CASE', (name: string) => name.toUpperCase()],
  ])('reads header names in any case: %s', (_name, rename) => {
    const headers = Object.fromEntries(
      Object.entries(signed()).map(([name, value]) => [rename(name), value]),
    );
    expect(Object.keys(headers)).not.toContain('webhook-id');
    expect(verifyWebhook(BODY, headers, SECRET, options).id).toBe(EVENT_ID);
  });

  test("reads Node's req.headers shape (other headers, one-element arrays)", () => {
    const headers = {
      ...signed(),
      'content-type': 'application/json',
      'webhook-id': [EVENT_ID],
      'x-forwarded-for': undefined,
    };
    expect(verifyWebhook(BODY, headers, SECRET, options).id).toBe(EVENT_ID);
  });

  test('the system clock is the default', () => {
    expect(verifyWebhook(BODY, signed(BODY, { at: new Date() }), SECRET).id).toBe(EVENT_ID);
    expectRefused(
      () => verifyWebhook(BODY, signed(), SECRET),
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
    );
  });

  test('is verified without an API secret, and accrupay.webhooks is the same', () => {
    expect(webhooks.verify).toBe(verifyWebhook);
    expect(webhooks.constructEvent).toBe(constructEvent);
    expect(new AccruPay({ apiSecret: makeSecret() }).webhooks).toBe(webhooks);
  });
});

describe('a tampered or forged delivery is refused', () => {
  test('a body changed by one byte', () => {
    const tampered = BODY.replace('"amount":"10000"', '"amount":"10001"');
    expect(tampered).not.toBe(BODY);
    expect(tampered).toHaveLength(BODY.length);
    expectRefused(
      () => verifyWebhook(tampered, signed(), SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-signature',
      'raw bytes',
    );
    const bytes = Buffer.from(BODY);
    bytes.writeUInt8((bytes.at(-1) as number) ^ 1, bytes.length - 1);
    expectRefused(
      () => verifyWebhook(bytes, signed(), SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });

  test('a body parsed and re-serialised (whitespace changed)', () => {
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 2);
    expectRefused(
      () => verifyWebhook(reserialised, signed(), SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });

  test("a signature by another endpoint's secret", () => {
    expectRefused(
      () => verifyWebhook(BODY, signed(BODY, { secrets: [OTHER_SECRET] }), SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
      'none of the 1 secret given',
    );
  });

  test('a valid body and signature replayed under another webhook-id (the id is signed)', () => {
    const headers = { ...signed(), 'webhook-id': 'evt_other' };
    expectRefused(() => verifyWebhook(BODY, headers, SECRET, options), 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('a valid signature replayed with a fresh timestamp (the timestamp is signed)', () => {
    const old = new Date(NOW.getTime() - 3600_000);
    const headers = {
      ...signed(BODY, { at: old }),
      'webhook-timestamp': String(NOW.getTime() / 1000),
    };
    expectRefused(() => verifyWebhook(BODY, headers, SECRET, options), 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('a signature header without any v1 entry', () => {
    const headers = { ...signed(), 'webhook-signature': 'v1a,abc v2,def' };
    expectRefused(
      () => verifyWebhook(BODY, headers, SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
      'no v1 signature',
    );
  });
});

describe('the timestamp must be within the tolerance', () => {
  const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

  test.each([
    ['older', -301, 's old'],
    ['newer', 301, 's in the future'],
  ])('a delivery signed 301 s %s than now is refused', (_name, offset, says) => {
    const error = expectRefused(
      () => verifyWebhook(BODY, signed(BODY, { at: at(offset) }), SECRET, options),
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
      'webhook-timestamp',
      says,
      'tolerance of 300 s',
      'clock',
    );
    expect(error.issues).toEqual([{ path: 'webhook-timestamp', message: expect.any(String) }]);
  });

  test.each([-300, 300, 0])('a delivery %i s from now is accepted (300 s either way)', (offset) => {
    expect(verifyWebhook(BODY, signed(BODY, { at: at(offset) }), SECRET, options).id).toBe(
      EVENT_ID,
    );
  });

  test('toleranceSeconds and now (a Date or epoch ms) are options', () => {
    const headers = signed(BODY, { at: at(-60) });
    expectRefused(
      () => verifyWebhook(BODY, headers, SECRET, { now: NOW, toleranceSeconds: 59 }),
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
      '60 s old',
    );
    expect(
      verifyWebhook(BODY, headers, SECRET, { now: NOW.getTime(), toleranceSeconds: 60 }).id,
    ).toBe(EVENT_ID);
  });

  test.each([
    [{ now: NOW, toleranceSeconds: -1 }, 'toleranceSeconds'],
    [{ now: NOW, toleranceSeconds: Number.NaN }, 'toleranceSeconds'],
    [{ now: new Date('nope') }, 'now'],
  ])('bad options are a configuration error: %o', (bad, field) => {
    const run = () => verifyWebhook(BODY, signed(), SECRET, bad);
    expect(run).toThrow(AccruPayValidationError);
    expect(run).toThrow(`options.${field}`);
  });

  test.each(['soon', '1767225600.5', '-5', ''])('a webhook-timestamp %j is refused', (value) => {
    const headers = { ...signed(), 'webhook-timestamp': value };
    expectRefused(
      () => verifyWebhook(BODY, headers, SECRET, options),
      value === '' ? 'WEBHOOK_MISSING_HEADERS' : 'WEBHOOK_HEADER_INVALID',
      'webhook-timestamp',
    );
  });
});

describe('headers', () => {
  test.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'a missing %s is refused, naming it',
    (name) => {
      const headers: Record<string, string> = signed();
      delete headers[name];
      const error = expectRefused(
        () => verifyWebhook(BODY, headers, SECRET, options),
        'WEBHOOK_MISSING_HEADERS',
        `the ${name} header is missing`,
        'req.headers',
      );
      expect(error.issues[0]?.path).toBe(name);
      expectRefused(
        () => verifyWebhook(BODY, new Headers(headers), SECRET, options),
        'WEBHOOK_MISSING_HEADERS',
        name,
      );
    },
  );

  test('several missing headers are all named', () => {
    expectRefused(
      () => verifyWebhook(BODY, { 'content-type': 'application/json' }, SECRET, options),
      'WEBHOOK_MISSING_HEADERS',
      'the webhook-id, webhook-timestamp, webhook-signature headers are missing',
    );
    expectRefused(
      () => verifyWebhook(BODY, undefined as unknown as WebhookHeaders, SECRET, options),
      'WEBHOOK_MISSING_HEADERS',
      'headers is undefined',
    );
  });

  test('a header given twice with different values is refused', () => {
    const headers = { ...signed(), 'Webhook-Id': 'evt_other' };
    expectRefused(
      () => verifyWebhook(BODY, headers, SECRET, options),
      'WEBHOOK_HEADER_INVALID',
      'webhook-id is given twice',
    );
    expectRefused(
      () => verifyWebhook(BODY, { ...signed(), 'webhook-id': ['a', 'b'] }, SECRET, options),
      'WEBHOOK_HEADER_INVALID',
      'more than once',
    );
  });
});

describe('secrets and rotation', () => {
  test.each([
    ['no whsec_ prefix', SECRET.slice('whsec_'.length), 'does not start with whsec_'],
    ['the API secret', makeSecret(), 'it is an API secret'],
    ['not base64', 'whsec_!!!!', 'not whsec_ followed by base64'],
    ['whsec_ alone', 'whsec_', 'not whsec_ followed by base64'],
    ['missing', undefined, 'secret is missing'],
    ['empty', '', 'secret is empty'],
  ])('a secret that is %s is refused', (_name, secret, says) => {
    expectRefused(
      () => verifyWebhook(BODY, signed(), secret, options),
      'WEBHOOK_SECRET_INVALID',
      says,
      'webhookEndpoints.create()',
    );
  });

  test('a bad secret in a list is named by its index; an empty list is refused', () => {
    expectRefused(
      () => verifyWebhook(BODY, signed(), [SECRET, 'sk_oops'], options),
      'WEBHOOK_SECRET_INVALID',
      'secret[1] does not start with whsec_',
    );
    expectRefused(
      () => verifyWebhook(BODY, signed(), [], options),
      'WEBHOOK_SECRET_INVALID',
      'empty',
    );
  });

  test('the secret is never echoed in the error', () => {
    const secret = SECRET.slice('whsec_'.length);
    const error = refusal(() => verifyWebhook(BODY, signed(), secret, options));
    expect(error.message).not.toContain(secret.slice(0, 8));
  });

  test('during a rotation the header has both signatures; either secret verifies', () => {
    const headers = signed(BODY, { secrets: [OTHER_SECRET, SECRET] });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifyWebhook(BODY, headers, SECRET, options).id).toBe(EVENT_ID);
    expect(verifyWebhook(BODY, headers, OTHER_SECRET, options).id).toBe(EVENT_ID);
    expect(verifyWebhook(BODY, headers, [newSecret(), SECRET], options).id).toBe(EVENT_ID);
    expectRefused(
      () => verifyWebhook(BODY, headers, [newSecret(), newSecret()], options),
      'WEBHOOK_SIGNATURE_INVALID',
      'none of the 2 secrets',
      'rotateSecret()',
    );
  });

  test('after the grace period only the new signature comes; the old secret alone fails', () => {
    const headers = signed(BODY, { secrets: [SECRET] });
    expect(verifyWebhook(BODY, headers, [SECRET, OTHER_SECRET], options).id).toBe(EVENT_ID);
    expectRefused(
      () => verifyWebhook(BODY, headers, OTHER_SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });
});

describe('the raw body is required', () => {
  test('a parsed object is refused, saying how to get the raw body', () => {
    expectRefused(
      () => verifyWebhook(JSON.parse(BODY), signed(), SECRET, options),
      'WEBHOOK_RAW_BODY_REQUIRED',
      'rawBody is a parsed object',
      'express.raw',
      'request.text()',
    );
  });

  test("express.raw's empty object (content-type did not match) is explained", () => {
    expectRefused(
      () => verifyWebhook({} as string, signed(), SECRET, options),
      'WEBHOOK_RAW_BODY_REQUIRED',
      'an empty object',
      'content-type',
    );
  });

  test.each([undefined, null, 42])('%s is refused', (body) => {
    expectRefused(
      () => verifyWebhook(body as unknown as string, signed(), SECRET, options),
      'WEBHOOK_RAW_BODY_REQUIRED',
      'rawBody',
    );
  });
});

describe('constructEvent', () => {
  test('returns the typed event, amounts as bigint', () => {
    const event = constructEvent(Buffer.from(BODY), signed(), SECRET, options);
    expect(event.type).toBe('client_session.completed');
    if (event.type !== 'client_session.completed') throw new Error('narrowing');
    expect(event.data.object.amount).toBe(10000n);
    expect(event.data.object.status).toBe('COMPLETED');
    expect(event.previousAttributes).toEqual({ status: 'PENDING' });

    const body = JSON.stringify(TRANSACTION_EVENT);
    const transaction = constructEvent(body, signed(body, { id: 'evt_2' }), SECRET, options);
    expect(transaction.type).toBe('transaction.succeeded');
    expect(transaction.data.object).toMatchObject({ id: 'txn_1', amount: 10000n });
  });

  test('verifies first: a bad signature is a signature error, not a payload one', () => {
    expectRefused(
      () => constructEvent(BODY, signed(BODY, { secrets: [OTHER_SECRET] }), SECRET, options),
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });

  test.each([
    [
      'an unknown type',
      { ...SESSION_EVENT, type: 'client_session.teleported' },
      'type: must be an event type',
    ],
    [
      'a bad amount',
      { ...SESSION_EVENT, data: { object: { ...SESSION_WIRE, amount: 'ten' } } },
      'data.object.amount',
    ],
    ['no data', { ...SESSION_EVENT, data: undefined }, 'data'],
    [
      'a transaction under a session type',
      { ...SESSION_EVENT, data: { object: TRANSACTION_WIRE } },
      'data.object',
    ],
  ])(
    'a signed body that is not an event (%s) is refused; verify() alone accepts it',
    (_name, event, says) => {
      const body = JSON.stringify(event);
      const headers = signed(body);
      expect(verifyWebhook(body, headers, SECRET, options).id).toBe(EVENT_ID);
      const error = expectRefused(
        () => constructEvent(body, headers, SECRET, options),
        'WEBHOOK_PAYLOAD_INVALID',
        says,
        'upgrade the SDK',
      );
      expect(error.issues.length).toBeGreaterThan(0);
    },
  );

  test('a signed body that is not JSON, or not UTF-8, is refused', () => {
    expectRefused(
      () => constructEvent('not json', signed('not json'), SECRET, options),
      'WEBHOOK_PAYLOAD_INVALID',
      'not JSON',
    );
    const bytes = new Uint8Array([0xff, 0xfe, 0x7b]);
    expectRefused(
      () => constructEvent(bytes, signed(bytes), SECRET, options),
      'WEBHOOK_PAYLOAD_INVALID',
      'not UTF-8',
    );
  });

  test("an event whose id is not its webhook-id is refused (dedupe on either, they're one)", () => {
    const body = JSON.stringify({ ...SESSION_EVENT, id: 'evt_other' });
    expectRefused(
      () => constructEvent(body, signed(body), SECRET, options),
      'WEBHOOK_PAYLOAD_INVALID',
      'differs from its webhook-id header',
    );
  });
});

describe('the error', () => {
  test('is an AccruPayError with a code, a name, issues and no status', () => {
    const error = refusal(() => verifyWebhook(BODY, {}, SECRET, options));
    expect(error).toBeInstanceOf(AccruPayError);
    expect(error.name).toBe('AccruPayWebhookVerificationError');
    expect(error.statusCode).toBeUndefined();
    expect(error.message).toMatch(/^webhooks: /);
    expect(error.issues[0]).toEqual({ path: 'webhook-id', message: expect.any(String) });
  });
});
