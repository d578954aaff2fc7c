import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProviderSim, type ProviderSim } from '@accrupay/provider-sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChargeStoredRequest,
  type ProviderAdapter,
  type ProviderPaymentMethod,
  ProviderUnavailableError,
  type StartSessionRequest,
} from './types.ts';

// The adapter test harness: what every adapter's tests share (a simulator, a callback receiver,
// a provisioned account) and the conformance suite every adapter must pass.

export const ORIGIN = 'https://shop.example';
export const SIM_START = '2030-01-15T12:00:00Z';

export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface AdapterOptions {
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
}

export interface AdapterEnv {
  sim: ProviderSim;
  url: string;
  adapter: ProviderAdapter;
  credentials: Record<string, unknown>;
  /** The callbacks the provider sent, in order. */
  received: Received[];
  /** The URL the account's callbacks go to. */
  callbackUrl: string;
  close(): Promise<void>;
}

/** Listens on a random local port; the returned close stops it and its connections. */
export async function listen(
  handler: RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** A simulator, a callback receiver and an adapter with a freshly provisioned account. */
export async function startAdapterEnv(
  create: (options: AdapterOptions) => ProviderAdapter,
  options: { timeoutMs?: number; credentials?: Record<string, unknown>; callbackPath: string },
): Promise<AdapterEnv> {
  const received: Received[] = [];
  const hooks = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.end('ok');
    });
  });
  const sim = createProviderSim({ clock: { start: SIM_START } });
  const running = await sim.start({ port: 0 });
  const adapter = create({
    baseUrl: running.url,
    clock: { now: () => sim.clock.now().getTime() },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const credentials = options.credentials ?? adapter.newCredentials();
  const callbackUrl = `${hooks.url}${options.callbackPath}`;
  await adapter.provisionAccount(credentials, { callbackUrl, allowedOrigins: [ORIGIN] });
  const close = async () => {
    await hooks.close();
    await running.close();
  };
  return { sim, url: running.url, adapter, credentials, received, callbackUrl, close };
}

/** A stored-method charge as the router makes it: prepare, then confirm. */
export async function chargeStored(
  adapter: ProviderAdapter,
  credentials: Record<string, unknown>,
  request: ChargeStoredRequest,
) {
  const prepared = await adapter.prepareCharge(credentials, request);
  return adapter.confirmCharge(credentials, { ...request, ...prepared });
}

/** A charge of a stored method in USD under session `ses_charge_<n>` (its idempotency key). */
export function storedCharge(
  n: number,
  amount: bigint,
  merchantInternalTransactionCode: string,
  paymentMethod: ProviderPaymentMethod,
): ChargeStoredRequest {
  const key = `ses_charge_${n}`;
  return {
    idempotencyKey: key,
    sessionId: key,
    amount,
    currency: 'USD',
    merchantInternalTransactionCode,
    paymentMethod,
  };
}

/** Resolves to the error `promise` rejects with; checks it is ProviderUnavailableError of `kind`. */
export async function expectUnavailable(promise: Promise<unknown>, kind: 'error' | 'timeout') {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderUnavailableError);
  expect((error as ProviderUnavailableError).kind).toBe(kind);
  return error as ProviderUnavailableError;
}

/** Checks that `promise` rejects with a refusal: a plain Error, never ProviderUnavailableError. */
export async function expectRefusal(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(ProviderUnavailableError);
  expect((error as Error).message).toMatch(message);
}

/** What the conformance suite needs to know about one adapter. */
export interface ConformanceHarness {
  create(options: AdapterOptions): ProviderAdapter;
  /** The provider's name at the simulator: its account section and scenario filter. */
  simProvider: 'stripe' | 'nuvei';
  callbackPath: string;
  /** What `newCredentials()` returns, as matchers. */
  credentialShape: Record<string, unknown>;
  /** The credentials that must differ between two accounts and never reach the browser. */
  secretFields: string[];
  /** The simulator's account section the adapter provisions. */
  simAccount(credentials: Record<string, unknown>, callbackUrl: string): Record<string, unknown>;
  /** What `baseConfig` returns. */
  baseConfig(credentials: Record<string, unknown>, url: string): Record<string, unknown>;
  startRequest(): StartSessionRequest;
}

/** The rules every adapter keeps: credentials, provisioning, base config, provider faults. */
export function describeAdapterConformance(name: string, harness: ConformanceHarness) {
  const envs: AdapterEnv[] = [];
  afterEach(async () => {
    for (const env of envs.splice(0).reverse()) await env.close();
  });
  async function setup(timeoutMs?: number) {
    const env = await startAdapterEnv(harness.create, {
      callbackPath: harness.callbackPath,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    envs.push(env);
    return env;
  }
  const ref = (started: { token: string; providerCode: string }) => ({
    type: harness.startRequest().type,
    token: started.token,
    providerCode: started.providerCode,
    readsPaymentMethod: true,
  });

  describe(`${name} adapter conformance`, () => {
    it('makes random credentials of the documented shape', async () => {
      const { adapter, credentials } = await setup();
      expect(credentials).toEqual(harness.credentialShape);
      const other = adapter.newCredentials();
      expect(other).not.toEqual(credentials);
      for (const field of harness.secretFields) expect(other[field]).not.toBe(credentials[field]);
    });

    it('registers the account at the simulator with its callback URL and origins', async () => {
      const { sim, credentials, callbackUrl } = await setup();
      const account = sim.accounts().find((a) => a.id === credentials.accountId);
      expect(account?.[harness.simProvider]).toMatchObject(
        harness.simAccount(credentials, callbackUrl),
      );
      expect(account?.allowedOrigins).toEqual([ORIGIN]);
    });

    it('an unreachable simulator is ProviderUnavailableError naming the URL', async () => {
      const closed = await listen(() => undefined);
      await closed.close();
      const adapter = harness.create({ baseUrl: closed.url });
      const credentials = adapter.newCredentials();
      const setupCall = adapter.provisionAccount(credentials, {
        callbackUrl: 'http://127.0.0.1:1/cb',
        allowedOrigins: [],
      });
      const error = await expectUnavailable(setupCall, 'error');
      expect(error.message).toContain(`${closed.url}/__sim/accounts/${credentials.accountId}`);
    });

    it('baseConfig carries only public values', async () => {
      const { url, adapter, credentials } = await setup();
      const config = adapter.baseConfig(credentials);
      expect(config).toEqual(harness.baseConfig(credentials, url));
      const text = JSON.stringify(config);
      for (const field of harness.secretFields)
        expect(text).not.toContain(String(credentials[field]));
    });

    it('a malformed credential is an Error naming the field; async calls reject with it', async () => {
      const { adapter, credentials } = await setup();
      const { accountId: _dropped, ...noAccount } = credentials;
      expect(() => adapter.baseConfig(noAccount)).toThrow(/credentials .*accountId/);
      const started = await adapter.startSession(credentials, harness.startRequest());
      await expect(adapter.retrieve(noAccount, ref(started))).rejects.toThrow(/accountId/);
    });

    it('api_error (HTTP 5xx) on start and retrieve is ProviderUnavailableError error, once', async () => {
      const { sim, adapter, credentials } = await setup();
      const started = await adapter.startSession(credentials, harness.startRequest());
      for (const status of [503, 500] as const) {
        sim.addScenario({ provider: harness.simProvider, kind: 'api_error', status });
        await expectUnavailable(adapter.startSession(credentials, harness.startRequest()), 'error');
        sim.addScenario({ provider: harness.simProvider, kind: 'api_error', status });
        await expectUnavailable(adapter.retrieve(credentials, ref(started)), 'error');
      }
      expect((await adapter.retrieve(credentials, ref(started))).state).toBe('awaiting_customer');
    });

    it('api_timeout is ProviderUnavailableError timeout after timeoutMs (real time)', async () => {
      const { sim, adapter, credentials } = await setup(300);
      const started = await adapter.startSession(credentials, harness.startRequest());
      sim.addScenario({ provider: harness.simProvider, kind: 'api_timeout' });
      await expectUnavailable(adapter.retrieve(credentials, ref(started)), 'timeout');
    });
  });
}
