import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { AccrueProvider } from './accrue/index.ts';
import { type MerchantAccount, parseOptions, type SimOptions } from './config.ts';
import { controlRouter } from './control.ts';
import { type Delivery, SimCore } from './core.ts';
import { hostedRouter } from './hosted.ts';
import type { HostedProvider } from './hosted-types.ts';
import { latency } from './http.ts';
import type { LedgerEntry, LedgerFilter } from './ledger.ts';
import { NuveiProvider } from './nuvei/index.ts';
import { PROVIDERS, type Provider, type SimProvider } from './provider.ts';
import type { Scenario, ScenarioInput } from './scenarios.ts';
import { StripeProvider } from './stripe/index.ts';

/** The simulated providers, one line each (the name is in provider.ts's PROVIDERS). */
const REGISTRY = {
  stripe: (core) => new StripeProvider(core),
  nuvei: (core) => new NuveiProvider(core),
  accrue: (core) => new AccrueProvider(core),
} satisfies Record<Provider, (core: SimCore) => SimProvider>;

/** A running simulator server. */
export interface RunningSim {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The simulator: an express app plus the library form of every control operation. */
export interface ProviderSim {
  app: Express;
  clock: {
    now(): Date;
    advance(ms: number): Promise<void>;
    set(date: Date | string | number): Promise<void>;
  };
  start(options?: { port?: number; host?: string }): Promise<RunningSim>;
  /** Stops every server, writes what is left and closes the database (and its lock); the simulator is unusable afterwards. */
  close(): Promise<void>;
  /** Runs the callbacks and retries due now and waits for them. */
  flush(): Promise<void>;
  reset(): void;
  addScenario(scenario: ScenarioInput): Scenario;
  removeScenario(id: string): boolean;
  scenarios(): Scenario[];
  ledger(filter?: LedgerFilter): LedgerEntry[];
  deliveries(): Delivery[];
  accounts(): MerchantAccount[];
  upsertAccount(account: MerchantAccount | Record<string, unknown>): MerchantAccount;
  /** Emits `request-held` when an api_timeout scenario holds a response open. */
  events: import('node:events').EventEmitter;
}

/** Creates a provider simulator, loading its database (`options.db`, default `':memory:'`); call `start({ port: 0 })` to serve it over HTTP. */
export function createProviderSim(options: SimOptions = {}): ProviderSim {
  const resolved = parseOptions(options);
  const core = new SimCore(resolved);
  const providers: SimProvider[] = PROVIDERS.map((name) => REGISTRY[name](core));
  for (const p of providers) core.onReset(() => p.reset());
  try {
    core.open();
  } catch (err) {
    core.store.close();
    throw err;
  }
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const setBase = (base: string) => {
    for (const p of providers) p.setBaseUrl(base);
  };
  if (resolved.publicUrl) setBase(resolved.publicUrl.replace(/\/$/, ''));
  // The one place that saves: whatever a request changed is written to the database before its answer leaves.
  app.use((_req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      try {
        core.persist();
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        res.destroy(err as Error);
        return res;
      }
      return end(...args);
    }) as typeof res.end;
    next();
  });
  app.use(latency(resolved.latencyMs));
  const hosted: Partial<Record<Provider, HostedProvider>> = {};
  for (const p of providers) {
    app.use(`/${p.name}`, p.router());
    if (p.hosted) hosted[p.name] = p.hosted;
  }
  app.use('/hosted', hostedRouter(core, hosted));
  for (const p of providers) if (p.control) app.use(`/__sim/${p.name}`, p.control());
  app.use('/__sim', controlRouter(core));
  app.get('/', (_req, res) => {
    res.json({
      name: '@accrupay/provider-sim',
      ...Object.fromEntries(providers.map((p) => [p.name, p.apiPath])),
      hosted: '/hosted/card',
      control: '/__sim',
    });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'Unknown route.' } });
  });
  app.use(((err, _req, res, _next) => {
    if (res.headersSent) return;
    const message = err instanceof Error ? err.message : 'unexpected error';
    res.status(500).json({ error: { type: 'api_error', message: `simulator bug: ${message}` } });
  }) as express.ErrorRequestHandler);

  const servers = new Set<Server>();
  let poller: NodeJS.Timeout | undefined;

  const sim: ProviderSim = {
    app,
    events: core.events,
    clock: {
      now: () => new Date(core.clock.now()),
      advance: (ms) => core.advance(ms),
      set: (date) => core.advanceTo(+new Date(date)),
    },
    async start({ port = 0, host = '127.0.0.1' } = {}) {
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, () => resolve(s));
        s.once('error', reject);
      });
      servers.add(server);
      const addr = server.address() as AddressInfo;
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
      if (!resolved.publicUrl) setBase(url);
      if (resolved.clock.mode === 'system' && !poller) {
        poller = setInterval(() => {
          void core.scheduler.runDue();
        }, resolved.clock.pollMs);
        poller.unref();
      }
      return {
        url,
        port: addr.port,
        close: () => closeServer(server),
      };
    },
    async close() {
      await Promise.all([...servers].map((s) => closeServer(s)));
      if (poller) {
        clearInterval(poller);
        poller = undefined;
      }
      core.scheduler.clear();
      core.store.close();
    },
    flush: async () => {
      await core.flush();
      core.persist();
    },
    reset: () => core.reset(),
    addScenario: (s) => {
      const added = core.addScenario(s);
      core.persist();
      return added;
    },
    removeScenario: (id) => {
      const removed = core.removeScenario(id);
      core.persist();
      return removed;
    },
    scenarios: () => core.scenarioList(),
    ledger: (filter = {}) => core.ledger.entries(filter),
    deliveries: () => core.deliveryList(),
    accounts: () => [...core.accounts.values()],
    upsertAccount: (a) => {
      const account = core.upsertAccount(a);
      core.persist();
      return account;
    },
  };

  async function closeServer(server: Server): Promise<void> {
    if (!servers.has(server)) return;
    servers.delete(server);
    for (const h of core.held) h.res.destroy();
    core.held.clear();
    if (servers.size === 0 && poller) {
      clearInterval(poller);
      poller = undefined;
    }
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }

  return sim;
}
