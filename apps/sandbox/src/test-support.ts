import type { ProviderSim } from '@accrupay/provider-sim';
import type { MerchantCredentials } from './domain/service.ts';
import { type RunningSandbox, type SandboxOptions, startSandbox } from './sandbox.ts';
import {
  dropSchemas,
  POSTGRES_URL,
  randomSchema,
  skipPostgres,
  withSchema,
} from './store/test-support.ts';

/** The page origin tests pretend to be; every test merchant allows it. */
export const SHOP_ORIGIN = 'http://localhost:5173';

/** The databases the integration tests run on: SQLite always, PostgreSQL when reachable (always in CI). */
export async function databases(): Promise<
  Array<{
    name: 'sqlite' | 'postgres';
    skip: boolean;
    url: () => string;
    cleanup: () => Promise<void>;
  }>
> {
  const schemas: string[] = [];
  return [
    { name: 'sqlite', skip: false, url: () => ':memory:', cleanup: async () => undefined },
    {
      name: 'postgres',
      skip: await skipPostgres(),
      url: () => {
        const schema = randomSchema();
        schemas.push(schema);
        return withSchema(POSTGRES_URL, schema);
      },
      cleanup: async () => {
        await dropSchemas(schemas.splice(0));
      },
    },
  ];
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A sandbox with its simulator on a manual clock, a merchant, and helpers to drive both. */
export interface TestSandbox {
  sandbox: RunningSandbox;
  sim: ProviderSim;
  merchant: MerchantCredentials;
  /** Calls the router with the merchant's secret unless `secret` says otherwise. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; secret?: string | null; headers?: Record<string, string> },
  ): Promise<HttpAnswer<T>>;
  /** Types a card into the simulator's hosted page for a session token, as the customer would. */
  pay(
    provider: 'STRIPE' | 'NUVEI',
    token: string,
    card: string,
    options?: { scenario?: string },
  ): Promise<HttpAnswer<{ result?: Record<string, unknown> }>>;
  /** Approves or denies the 3-D Secure challenge of a session. */
  challenge(
    provider: 'STRIPE' | 'NUVEI',
    token: string,
    decision: 'approve' | 'deny',
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSandbox(
  options: { db?: string; sandbox?: Partial<SandboxOptions> } = {},
): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    db: options.db ?? ':memory:',
    port: 0,
    logger: false,
    // Each test's simulator is its own provider: none shares a file with another test's.
    simDb: ':memory:',
    ...options.sandbox,
    sim: { clock: { mode: 'manual', start: '2030-01-15T12:00:00Z' }, ...options.sandbox?.sim },
  });
  const sim = sandbox.sim;
  if (!sim) throw new Error('the test sandbox embeds its simulator');
  const merchant = await sandbox.createMerchant({
    name: 'Test shop',
    allowedOrigins: [SHOP_ORIGIN],
  });

  async function call<T>(url: string, init: RequestInit): Promise<HttpAnswer<T>> {
    const response = await fetch(url, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }

  /** Posts to the simulator's hosted page for a session token, as the shop's page would. */
  function hosted<T>(
    action: 'submit' | 'challenge',
    provider: 'STRIPE' | 'NUVEI',
    token: string,
    fields: Record<string, string>,
  ): Promise<HttpAnswer<T>> {
    return call(`${sandbox.providerUrl}/hosted/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: provider.toLowerCase(),
        token,
        origin: SHOP_ORIGIN,
        ...fields,
      }),
    });
  }

  return {
    sandbox,
    sim,
    merchant,
    api(method, path, { body, secret, headers } = {}) {
      const given = secret === undefined ? merchant.apiSecret : secret;
      return call(`${sandbox.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(given === null ? {} : { 'accrupay-api-secret': given }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) }),
      });
    },
    pay(provider, token, card, { scenario } = {}) {
      return hosted('submit', provider, token, {
        number: card,
        expMonth: '12',
        expYear: '2034',
        cvc: '123',
        name: 'Jane Smith',
        ...(scenario ? { scenario } : {}),
      });
    },
    async challenge(provider, token, decision) {
      const answer = await hosted('challenge', provider, token, { decision });
      if (answer.status !== 200) throw new Error(`challenge answered ${answer.status}`);
    },
    close: () => sandbox.close(),
  };
}

/** A payment start body as document 002 writes it, on the wire. */
export function paymentStart(
  merchant: Pick<MerchantCredentials, 'merchantTransactionProviderIds'>,
  provider: 'STRIPE' | 'NUVEI',
  overrides: {
    code?: string;
    amount?: string;
    storePaymentMethod?: boolean;
    customer?: string;
  } = {},
) {
  return {
    merchantTransactionProviderId: merchant.merchantTransactionProviderIds[provider],
    data: {
      merchantInternalTransactionCode: overrides.code ?? 'order-8821',
      amount: overrides.amount ?? '10000',
      currency: 'USD',
      storePaymentMethod: overrides.storePaymentMethod ?? false,
      billing: {
        billingFirstName: 'Jane',
        billingLastName: 'Smith',
        billingEmail: 'jane@example.com',
        billingAddressCountry: 'US',
      },
      customer: { merchantInternalCustomerCode: overrides.customer ?? 'customer-4421' },
    },
  };
}

export {
  type ReceivedWebhook,
  type WebhookAnswer,
  type WebhookReceiver,
  webhookReceiver,
} from './webhook-receiver.ts';
