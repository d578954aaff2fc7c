import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createProviderSim, type ProviderSim, type SimOptions } from '@accrupay/provider-sim';
import type express from 'express';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from './domain/clock.ts';
import { IdempotencyKeys } from './domain/idempotency.ts';
import { RateLimiter } from './domain/rate-limit.ts';
import { type MerchantCredentials, SandboxService } from './domain/service.ts';
import type { WebhookDeliveryOptions } from './domain/webhooks/delivery.ts';
import { createHttpApp, LOG_REDACT_PATHS, requestContext } from './http/app.ts';
import type { AddressRateLimits } from './http/middleware/address-limits.ts';
import type { PublicRoute } from './http/routes.ts';
import { createAccrueClient } from './providers/accrue/index.ts';
import { createProviderAdapters, type ProviderAdapter } from './providers/index.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';

const DEFAULT_DB = '.accrupay/sandbox.db';

/**
 * Where the embedded simulator keeps its state for a router database: `provider-sim.db` beside a
 * SQLite file, `:memory:` with `:memory:`, `.accrupay/provider-sim.db` with PostgreSQL.
 */
export function defaultSimDb(db: string): string {
  if (db === ':memory:') return ':memory:';
  if (/^postgres(ql)?:/i.test(db)) return join('.accrupay', 'provider-sim.db');
  return join(dirname(db), 'provider-sim.db');
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** SQLite file, `:memory:`, or a `postgres://` URL. Default `.accrupay/sandbox.db`. */
  db?: string;
  /**
   * The 32-byte key (base64 or 64 hex digits) that encrypts the provider credentials at rest.
   * Default: $ACCRUPAY_CREDENTIALS_KEY, else a random key for `:memory:`, else the key file
   * `credentials.key` beside a SQLite file, or `.accrupay/credentials.key` of the working
   * directory for PostgreSQL (created on first start). Instances sharing one PostgreSQL
   * database must share the key: set ACCRUPAY_CREDENTIALS_KEY on each.
   */
  credentialsKey?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  host?: string;
  /** Port of the embedded simulator. Default: the next port after `port`, or 0 when `port` is 0. */
  simPort?: number;
  /**
   * Where the embedded simulator keeps its state (it is a durable provider: what it answered
   * survives a restart): a SQLite file or `:memory:`. Default {@link defaultSimDb} of `db`.
   */
  simDb?: string;
  /** The base URL of an external provider simulator; without it one is embedded. */
  providerUrl?: string;
  /** Options of the embedded simulator (its clock, TTLs, faults). */
  sim?: SimOptions;
  /** The router's clock. Default: the embedded simulator's clock, or the system clock. */
  clock?: Clock;
  /** Delete every row before starting. */
  reset?: boolean;
  /** A pino logger, or false for none. Default: info level to stdout. */
  logger?: Logger | false;
  /** Requests per second and burst allowed per merchant. Default 500/s, burst 1000. */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * Limits per client address against guessing: failed authentications (401) on the merchant
   * API, failed public-API lookups (400/401/404), and all public-API requests; 429 with
   * Retry-After. Defaults: 100 failures at once then 1/s of each kind, 10000 public requests at
   * once then 200/s; the address is the socket's unless `trustForwardedFor`. false: none.
   * The buckets refill on the router's clock: with a manual simulator clock, only as it moves.
   */
  addressRateLimit?: AddressRateLimits | false;
  /**
   * Routes that answer without the API secret, each mounted at its path (the demo shop:
   * `publicRoutes: [{ path: '/demo', handler }]`). Every other route of the router needs the
   * secret, also one that does not exist (401 without it, 404 with it). Requests to these are
   * neither counted nor refused by the per-address limits.
   */
  publicRoutes?: readonly PublicRoute[];
  /**
   * Routes mounted on the router's app behind the API secret, after the merchant API's checks
   * (the merchant is `res.locals.merchant`). Routes that answer without it go in `publicRoutes`.
   */
  extraRoutes?: (app: express.Express) => void;
  /** Adapters to use instead of the built-in Stripe and Nuvei ones (tests). */
  adapters?: (providerUrl: string, clock: Clock) => ProviderAdapter[];
  /**
   * Lets the sandbox control API (`/v1/admin`, the dashboard's) answer other addresses than
   * loopback when they send this token in `x-accrupay-dashboard-token`. Default: loopback only.
   */
  dashboardToken?: string;
  /** How merchant webhooks are delivered (poll interval, lease, fetch); tests may turn polling off. */
  webhooks?: WebhookDeliveryOptions;
}

/** A running sandbox: the router, its store and, unless external, the provider simulator. */
export interface RunningSandbox {
  url: string;
  providerUrl: string;
  store: Store;
  service: SandboxService;
  /** The embedded simulator; undefined with `providerUrl`. */
  sim: ProviderSim | undefined;
  clock: Clock;
  app: express.Express;
  /** Creates a merchant with a provider record per provider; the secret is only in the result. */
  createMerchant(input?: {
    name?: string;
    allowedOrigins?: string[];
  }): Promise<MerchantCredentials>;
  close(): Promise<void>;
}

/** Starts the router: opens and migrates the store, starts or reaches the simulator, listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const logger =
    options.logger === false
      ? pino({ level: 'silent' })
      : (options.logger ?? createLogger(process.env.LOG_LEVEL ?? 'info'));
  let eventWritten = () => {};
  const store = await openStore(options.db ?? DEFAULT_DB, {
    ...(options.credentialsKey === undefined ? {} : { credentialsKey: options.credentialsKey }),
    onEvent: () => eventWritten(),
  });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  try {
    await store.migrate();
    if (options.reset) await store.truncateAll();

    let sim: ProviderSim | undefined;
    let providerUrl = options.providerUrl?.replace(/\/$/, '');
    if (!providerUrl) {
      const simDb = options.simDb ?? options.sim?.db ?? defaultSimDb(options.db ?? DEFAULT_DB);
      if (simDb !== ':memory:') mkdirSync(dirname(simDb), { recursive: true });
      const created = createProviderSim({ clock: { mode: 'system' }, ...options.sim, db: simDb });
      sim = created;
      closers.push(() => created.close());
      if (options.reset) created.reset();
      const simPort = options.simPort ?? (options.port ? options.port + 1 : 0);
      const simHost = options.host ?? '127.0.0.1';
      const running = await sim.start({ port: simPort, host: simHost }).catch((error: unknown) => {
        throw listenError(error, 'simulator', simPort, simHost);
      });
      providerUrl = running.url;
    }
    const embedded = sim;
    const clock: Clock =
      options.clock ?? (embedded ? { now: () => embedded.clock.now().getTime() } : systemClock);

    const adapters =
      options.adapters?.(providerUrl, clock) ??
      Object.values(createProviderAdapters({ baseUrl: providerUrl, clock }));
    let url = '';
    const service = new SandboxService({
      store,
      clock,
      adapters,
      callbackBaseUrl: () => url,
      logger,
      ...(options.webhooks ? { webhookDelivery: options.webhooks } : {}),
      simulatorUrl: providerUrl,
      accrue: createAccrueClient({ baseUrl: providerUrl }),
      clockFollowsSimulator: embedded !== undefined && options.clock === undefined,
    });
    eventWritten = () => service.webhooks.kick();
    closers.push(() => service.webhooks.close());
    const app = createHttpApp({
      service,
      idempotency: new IdempotencyKeys(store, clock),
      rateLimiter: new RateLimiter(clock, options.rateLimit ?? { perSecond: 500, burst: 1000 }),
      clock,
      ...(options.addressRateLimit === undefined
        ? {}
        : { addressRateLimit: options.addressRateLimit }),
      logger,
      ...(options.publicRoutes ? { publicRoutes: options.publicRoutes } : {}),
      ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
      dashboardToken: options.dashboardToken,
    });
    const host = options.host ?? '127.0.0.1';
    const server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(options.port ?? 0, host, () => resolve(listening));
      listening.once('error', (error) =>
        reject(listenError(error, 'router', options.port ?? 0, host)),
      );
    });
    closers.push(
      () =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    await service.provisionAll();

    return {
      url,
      providerUrl,
      store,
      service,
      sim,
      clock,
      app,
      createMerchant: (input) => service.createMerchant(input),
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers).catch(() => undefined);
    throw error;
  }
}

/**
 * The sandbox's logger: JSON lines, secrets redacted, and the request id of the request being
 * handled in every line, whichever layer writes it.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      // A request's own logger already carries its id: written once per line, not twice.
      mixin: (_line, _level, log) => {
        const request = requestContext.getStore();
        return request && !('requestId' in log.bindings()) ? request : {};
      },
    },
    destination,
  );
}

/** A port the sandbox could not listen on; the message names the flag (and option) to change. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    message: string,
    readonly server: 'router' | 'simulator',
    readonly port: number,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

function listenError(
  error: unknown,
  server: 'router' | 'simulator',
  port: number,
  host: string,
): Error {
  const code = (error as { code?: unknown }).code;
  const flag = server === 'router' ? '--port (option port)' : '--sim-port (option simPort)';
  const what = server === 'router' ? "the router's port" : "the embedded simulator's port";
  if (code === 'EADDRINUSE') {
    return new ListenError(
      `Port ${port} on ${host} (${what}) is already in use: stop what listens there, or choose another port with ${flag}; 0 picks a free one.`,
      server,
      port,
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new ListenError(
      `Not allowed to listen on port ${port} on ${host} (${what}): ports below 1024 need privileges; choose another port with ${flag}.`,
      server,
      port,
      { cause: error },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new ListenError(
      `Cannot listen on ${host}:${port} (${what}): ${host} is not an address of this machine; choose another host (option host).`,
      server,
      port,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function closeAll(closers: Array<() => Promise<void>>) {
  for (const close of closers.reverse()) await close();
}
