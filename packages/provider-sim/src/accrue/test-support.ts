import { afterEach, beforeEach } from 'vitest';
import type { SimOptions } from '../config.ts';
import { ACCOUNT, type Loose, setup } from '../test-helpers.ts';
import type { AccrueCustomerKey } from './customers.ts';

type Setup = Awaited<ReturnType<typeof setup>>;

export const ORIGIN = 'https://shop.example';

export const ACCRUE = {
  apiKey: 'ak_test_accrue_abc',
  webhookSecret: 'whsec_accrue_test_secret',
  publishableKey: 'pk_test_accrue_abc',
};

export const OTHER = {
  id: 'acct_other',
  accrue: {
    apiKey: 'ak_test_other',
    webhookSecret: 'whsec_other',
    publishableKey: 'pk_test_other',
  },
  allowedOrigins: ['https://other.example'],
};

/** The test account with an accrue section whose notifications go to `hooksUrl`, plus a second account. */
export function accrueOptions(hooksUrl: string, extra: SimOptions = {}): SimOptions {
  return {
    accounts: [
      {
        ...ACCOUNT,
        stripe: { ...ACCOUNT.stripe, webhookUrl: hooksUrl },
        accrue: { ...ACCRUE, webhookUrl: hooksUrl },
      },
      OTHER,
    ],
    ...extra,
  };
}

/**
 * A simulator started before each test of the file and closed after it. `setup()` sends the
 * receiver's URL only to the base account, so the accounts are set again with it.
 */
export function accruePerTest(extra: SimOptions = {}) {
  let current: Setup | undefined;
  beforeEach(async () => {
    current = await setup();
    for (const a of accrueOptions(current.hooks.url, extra).accounts ?? []) {
      current.sim.upsertAccount(a);
    }
  });
  afterEach(async () => {
    await current?.close();
  });
  const running = (): Setup => {
    if (!current) throw new Error('the simulator runs only inside a test');
    return current;
  };
  return {
    get sim() {
      return running().sim;
    },
    get url() {
      return running().server.url;
    },
    get hooks() {
      return running().hooks;
    },
  };
}

export interface Reply {
  status: number;
  body: Loose;
  headers: Headers;
}

/** Calls the Accrue-like API with the test account's key (or `opts.key`) and an optional Idempotency-Key. */
export async function accrue(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { key?: string | null; idem?: string } = {},
): Promise<Reply> {
  const key = opts.key === undefined ? ACCRUE.apiKey : opts.key;
  const res = await fetch(`${base}/accrue/v1${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.idem ? { 'idempotency-key': opts.idem } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Makes a payment intent through `POST /__sim/accrue/payment-intents`; returns its id. */
export async function newIntent(
  base: string,
  opts: {
    amount?: number;
    currency?: string;
    method?: 'wallet' | 'bank';
    customer?: AccrueCustomerKey;
    merchantPublicId?: string;
  } = {},
): Promise<string> {
  const res = await fetch(`${base}/__sim/accrue/payment-intents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      merchantPublicId: opts.merchantPublicId ?? ACCRUE.publishableKey,
      amount: opts.amount ?? 10_000,
      currency: opts.currency ?? 'USD',
      method: opts.method ?? 'wallet',
      ...(opts.customer ? { customer: opts.customer } : {}),
    }),
  });
  const body = (await res.json()) as Loose;
  if (res.status !== 201) throw new Error(`newIntent: ${res.status} ${JSON.stringify(body)}`);
  return body.id as string;
}

export const authorizeBody = (attributes: Record<string, unknown>) => ({
  data: {
    type: 'payment_authorizations',
    attributes: { amount: 10_000, currency: 'USD', capture_method: 'manual', ...attributes },
  },
});

export const captureBody = (amount?: number) => ({
  data: { type: 'payment_captures', attributes: amount === undefined ? {} : { amount } },
});

/** Authorizes an intent; answers the payment resource (expects 201). */
export async function authorize(
  base: string,
  intentId: string,
  attributes: Record<string, unknown> = {},
  idem?: string,
): Promise<Loose> {
  const res = await accrue(
    base,
    'POST',
    `/payment_intents/${intentId}/authorize`,
    authorizeBody(attributes),
    idem ? { idem } : {},
  );
  if (res.status !== 201) throw new Error(`authorize: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function getPayment(base: string, id: string): Promise<Loose> {
  const res = await accrue(base, 'GET', `/payments/${id}`);
  if (res.status !== 200) throw new Error(`getPayment: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
