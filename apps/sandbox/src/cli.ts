#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createWebhookEndpointSchema, DEFAULT_BASE_URL } from '@accrupay/contracts';
import pino from 'pino';
import { CONTROL_COMMANDS, CommandError, DEMO_MERCHANT_NAME, runControl } from './cli/control.ts';
import { dashboardAssets } from './dashboard/index.ts';
import { demoShop } from './demo/index.ts';
import { type MerchantCredentials, SandboxService } from './domain/service.ts';
import { prettyLogStream } from './log-format.ts';
import { createNuveiAdapter } from './providers/nuvei/index.ts';
import { createStripeAdapter } from './providers/stripe/index.ts';
import { createLogger, defaultSimDb, type RunningSandbox, startSandbox } from './sandbox.ts';
import { KyselyStore } from './store/kysely-store.ts';
import { openStore } from './store/open-store.ts';

/** The port clients reach when given no base URL (the contract's DEFAULT_BASE_URL). */
const DEFAULT_PORT = Number(new URL(DEFAULT_BASE_URL).port);

const USAGE = `Usage:
  accrupay-sandbox start [--port ${DEFAULT_PORT}] [--db PATH|:memory:|postgres://...] [--provider-url URL | --sim-port ${DEFAULT_PORT + 1}] [--sim-db PATH|:memory:] [--origin URL]... [--webhook-url URL] [--log-level LEVEL] [--log-format pretty|json] [--dashboard-token TOKEN] [--reset]
  accrupay-sandbox merchant create [--json] [--db ...] [--name NAME] [--origin URL]...

Commands that talk to a running sandbox (--url, default ${DEFAULT_BASE_URL}; --help on each):
${Object.entries(CONTROL_COMMANDS)
  .map(
    ([name, command]) =>
      `  ${name === 'origins' ? 'merchant origins' : name}`.padEnd(22) + command.summary,
  )
  .join('\n')}

--db defaults to $DATABASE_URL, else .accrupay/sandbox.db. --sim-db is where the embedded provider
simulator keeps its state (default provider-sim.db beside a --db file; .accrupay/provider-sim.db with
PostgreSQL; :memory: with :memory:). --origin adds a browser origin allowed to
use the public API and frame the card fields (default: the sandbox's own, localhost:3000 and :5173).
--log-level is one of fatal, error, warn, info, debug, trace, silent (default info on a terminal, warn
otherwise; $LOG_LEVEL too); --log-format pretty prints one readable line per request (the default on a
terminal), json prints pino's JSON lines (the default otherwise). --dashboard-token lets the dashboard
and the control API answer other addresses than loopback, with that token.
--webhook-url registers a webhook endpoint for every event of the first merchant (or reuses the one
it has at that URL) and prints its signing secret, ACCRUPAY_WEBHOOK_SECRET=whsec_...`;

function fail(message: string): never {
  process.stderr.write(`accrupay-sandbox: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A port flag's value: digits only (Number('') would be 0, a free port, silently). */
function portOf(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`${flag} must be a port number (0 to 65535); got ${JSON.stringify(value)}`);
  }
  return port;
}

async function main(argv: string[]) {
  const [first, second] = argv;
  const control = first === 'merchant' && second === 'origins' ? 'origins' : first;
  if (control !== undefined && control !== 'merchant' && Object.hasOwn(CONTROL_COMMANDS, control)) {
    try {
      const { out, exitCode } = await runControl(
        control,
        argv.slice(control === 'origins' ? 2 : 1),
      );
      process.stdout.write(`${out}\n`);
      process.exitCode = exitCode;
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      process.stderr.write(`accrupay-sandbox: ${error.message}\n`);
      process.exitCode = error.exitCode;
    }
    return;
  }
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          port: { type: 'string' },
          db: { type: 'string' },
          'provider-url': { type: 'string' },
          'sim-port': { type: 'string' },
          'sim-db': { type: 'string' },
          origin: { type: 'string', multiple: true },
          'webhook-url': { type: 'string' },
          'log-level': { type: 'string' },
          'log-format': { type: 'string' },
          'dashboard-token': { type: 'string' },
          reset: { type: 'boolean' },
          json: { type: 'boolean' },
          name: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
  })();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const db = values.db ?? process.env.DATABASE_URL ?? '.accrupay/sandbox.db';
  const terminal = process.stdout.isTTY === true;
  const logLevel = values['log-level'] ?? (process.env.LOG_LEVEL || (terminal ? 'info' : 'warn'));
  if (!LOG_LEVELS.includes(logLevel)) {
    fail(
      `${values['log-level'] === undefined ? 'LOG_LEVEL' : '--log-level'} must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}`,
    );
  }
  const logFormat = values['log-format'] ?? (terminal ? 'pretty' : 'json');
  if (logFormat !== 'pretty' && logFormat !== 'json') {
    fail(`--log-format must be pretty or json; got ${JSON.stringify(logFormat)}`);
  }
  const dashboardToken = values['dashboard-token'];
  if (dashboardToken !== undefined && !/^[\w.~-]{16,256}$/.test(dashboardToken)) {
    fail(
      '--dashboard-token must be 16 to 256 letters, digits or - _ . ~ (hard to guess: it opens the control API to other addresses)',
    );
  }
  const [command, sub] = positionals;
  for (const origin of values.origin ?? []) {
    // What a browser sends in Origin: scheme, host and port, no path or trailing slash.
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      fail(
        `--origin must be an origin such as http://localhost:5173 (scheme, host, port; no path or trailing slash); got ${JSON.stringify(origin)}${parsed && /^https?:$/.test(parsed.protocol) ? `: use ${parsed.origin}` : ''}`,
      );
    }
  }

  if (command === 'merchant' && sub === 'create') {
    const store = await openStore(db);
    try {
      await store.migrate();
      // Registered at the provider by the running sandbox on first use.
      const service = new SandboxService({
        store,
        clock: { now: () => Date.now() },
        adapters: [
          createStripeAdapter({ baseUrl: 'http://127.0.0.1:0' }),
          createNuveiAdapter({ baseUrl: 'http://127.0.0.1:0' }),
        ],
        callbackBaseUrl: () => '',
        logger: pino({ level: 'silent' }),
      });
      const merchant = await service.createMerchant({
        provision: false,
        ...(values.name ? { name: values.name } : {}),
        allowedOrigins: values.origin ?? ['http://localhost:3000', 'http://localhost:5173'],
      });
      process.stdout.write(
        values.json
          ? `${JSON.stringify(merchant, null, 2)}\n`
          : `Merchant ${merchant.merchantId}\n  API secret:        ${merchant.apiSecret}\n  merchantPublicId:  ${merchant.merchantPublicId}\n  STRIPE provider:   ${merchant.merchantTransactionProviderIds.STRIPE}\n  NUVEI provider:    ${merchant.merchantTransactionProviderIds.NUVEI}\n  Accrue Pay card API (document 004), shown once:\n    x-client-id:     ${merchant.clientId}\n    x-client-secret: ${merchant.clientSecret}\n`,
      );
    } finally {
      await store.close();
    }
    return;
  }

  if (command !== 'start')
    fail(command ? `unknown command ${positionals.join(' ')}` : 'no command');
  const port = portOf('--port', values.port) ?? DEFAULT_PORT;
  const simPort = portOf('--sim-port', values['sim-port']);
  if (simPort === undefined && port === 65535) {
    fail('--port 65535 leaves no port for the embedded simulator (the next one): add --sim-port');
  }
  const providerUrl = values['provider-url'];
  if (providerUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(providerUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      fail(
        `--provider-url must be an http(s) URL such as http://127.0.0.1:4010; got ${JSON.stringify(providerUrl)}`,
      );
    }
    if (simPort !== undefined)
      fail('--sim-port is for the embedded simulator: drop it with --provider-url');
    if (values['sim-db'] !== undefined)
      fail('--sim-db is for the embedded simulator: drop it with --provider-url');
  }
  const webhookUrl = values['webhook-url'];
  if (webhookUrl !== undefined) {
    const checked = createWebhookEndpointSchema.safeParse({ url: webhookUrl });
    if (!checked.success) {
      fail(
        `--webhook-url ${checked.error.issues.map((issue) => issue.message).join('; ')}; got ${JSON.stringify(webhookUrl)}`,
      );
    }
  }
  const simDb = values['sim-db'] ?? defaultSimDb(db);
  const started = Date.now();
  // The demo shop's own merchant, created on the first visit of /demo (its secret lives only in
  // this process).
  let demoMerchant: Promise<MerchantCredentials> | undefined;
  const sandbox = await startSandbox({
    publicRoutes: [
      { path: '/dashboard', handler: dashboardAssets() },
      demoShop({
        merchant: async () => {
          demoMerchant ??= sandbox.createMerchant({
            name: DEMO_MERCHANT_NAME,
            allowedOrigins: [sandbox.url, sandbox.url.replace('127.0.0.1', 'localhost')],
          });
          return { ...(await demoMerchant), baseUrl: sandbox.url };
        },
      }),
    ],
    db,
    port,
    reset: values.reset ?? false,
    ...(providerUrl ? { providerUrl } : {}),
    ...(simPort !== undefined ? { simPort } : {}),
    ...(providerUrl ? {} : { simDb }),
    logger: createLogger(
      logLevel,
      logFormat === 'pretty' ? prettyLogStream(process.stdout) : undefined,
    ),
    ...(dashboardToken !== undefined ? { dashboardToken } : {}),
  });
  const merchants = (await sandbox.store.listMerchants()).filter(
    (merchant) => merchant.name !== DEMO_MERCHANT_NAME,
  );
  const lines = [
    `AccruPay sandbox ready in ${Date.now() - started} ms`,
    `  base URL:          ${sandbox.url}`,
    `  provider sim:      ${sandbox.providerUrl}${sandbox.sim ? ` (embedded, state in ${simDb})` : ''}`,
    `  database:          ${db.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')}`,
  ];
  if (sandbox.store instanceof KyselyStore) {
    lines.push(
      `  credentials key:   ${sandbox.store.credentialsKeySource} (keep it with the database)`,
    );
  }
  let webhookMerchantId = merchants[0]?.id;
  if (merchants.length === 0) {
    const merchant = await sandbox.createMerchant({
      name: 'Default sandbox merchant',
      allowedOrigins: [
        ...new Set([
          sandbox.url,
          ...(values.origin ?? []),
          'http://localhost:3000',
          'http://localhost:5173',
        ]),
      ],
    });
    webhookMerchantId = merchant.merchantId;
    lines.push(
      '',
      'Default merchant created. The API secret is shown this once: put it in your backend .env now.',
      `  ACCRUPAY_API_SECRET=${merchant.apiSecret}`,
      `  merchantPublicId:  ${merchant.merchantPublicId}`,
      `  STRIPE merchantTransactionProviderId: ${merchant.merchantTransactionProviderIds.STRIPE}`,
      `  NUVEI  merchantTransactionProviderId: ${merchant.merchantTransactionProviderIds.NUVEI}`,
      `  Accrue Pay card API: x-client-id ${merchant.clientId}, x-client-secret ${merchant.clientSecret}`,
    );
  } else {
    // Merchants made before document 004 get their card API pair now, shown this once.
    const issued = new Map(
      (await sandbox.service.issueMissingClientCredentials()).map((pair) => [
        pair.merchantId,
        pair,
      ]),
    );
    for (const merchant of merchants) {
      const providers = await sandbox.store.listMerchantTransactionProviders(merchant.id);
      lines.push(
        '',
        `Merchant ${merchant.name} (${merchant.id}); API secret ...${merchant.secret_last4} (shown only when created)`,
        `  merchantPublicId:  ${merchant.public_id}`,
        ...providers.map((p) => `  ${p.provider.padEnd(6)} merchantTransactionProviderId: ${p.id}`),
      );
      const pair = issued.get(merchant.id);
      if (pair) {
        lines.push(
          `  Accrue Pay card API pair issued now (shown this once): x-client-id ${pair.clientId}, x-client-secret ${pair.clientSecret}`,
        );
      }
    }
  }
  if (webhookUrl !== undefined && webhookMerchantId !== undefined) {
    lines.push('', ...(await registerWebhookUrl(sandbox, webhookMerchantId, webhookUrl)));
  }
  lines.push(
    '',
    `Dashboard:     ${sandbox.url}/dashboard (sessions, timelines, reconciliation, the clock, faults, merchants)`,
    `Demo checkout: ${sandbox.url}/demo (card 4242 4242 4242 4242, any future expiry, any CVC)`,
    `GraphQL API:   ${sandbox.url}/graphql (AccruPay's own API, for @accrupay/node 0.15.1; GraphiQL in a browser)`,
    `REST API:      ${sandbox.url}/openapi.json (OpenAPI 3)`,
    `Control API:   ${sandbox.url}/v1/admin (the CLI's: accrupay-sandbox --help); simulator's: ${sandbox.providerUrl}/__sim`,
    'Create another merchant: accrupay-sandbox merchant create --json',
    'Stop with Ctrl-C.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The lines that say where webhooks go: the merchant's endpoint at `url` (reused when it has one,
 * so that a restart keeps the secret) and its signing secret.
 */
async function registerWebhookUrl(
  sandbox: RunningSandbox,
  merchantId: string,
  url: string,
): Promise<string[]> {
  const merchant = await sandbox.store.findMerchantById(merchantId);
  if (merchant === undefined) throw new Error(`merchant ${merchantId} disappeared during start`);
  const existing = (await sandbox.store.listWebhookEndpoints(merchant.id)).find(
    (endpoint) => endpoint.url === url && endpoint.status === 'ENABLED',
  );
  const endpoint =
    existing === undefined
      ? await sandbox.service.createWebhookEndpoint(merchant, { url, enabledEvents: ['*'] })
      : { id: existing.id, secret: existing.secret };
  return [
    `Webhooks: every event of ${merchant.name} goes to ${url} (endpoint ${endpoint.id}${existing ? ', reused' : ''}).`,
    'Verify each delivery with this secret (webhooks.constructEvent in @accrupay/node):',
    `  ACCRUPAY_WEBHOOK_SECRET=${endpoint.secret}`,
  ];
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // The message says what to change; the stack is for LOG_LEVEL=debug.
  const debug = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  const text =
    error instanceof Error
      ? debug
        ? (error.stack ?? error.message)
        : error.message
      : String(error);
  process.stderr.write(`accrupay-sandbox: ${text}\n`);
  process.exit(1);
});
