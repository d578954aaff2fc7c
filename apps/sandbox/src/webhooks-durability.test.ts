// Merchant webhooks are at least once and no more: a sandbox killed with SIGKILL while a delivery
// is in flight (or before any is made) loses no event and, once the lease lapses, sends the one in
// flight again with the same webhook-id and body and every other one once; two instances on one
// PostgreSQL database send each attempt once between them; a status change that rolls back writes
// no event. The killed sandbox runs in a child process (webhooks-durability.fixture.ts); the one
// that takes over runs here, on a manual clock, and delivers only when told (runDue).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { MerchantCredentials } from './domain/service.ts';
import { type RunningSandbox, type SandboxOptions, startSandbox } from './sandbox.ts';
import { asKysely } from './store/test-support.ts';
import { GOOD_CARDS } from './test-cards.ts';
import {
  databases,
  paymentStart,
  type ReceivedWebhook,
  SHOP_ORIGIN,
  startTestSandbox,
  type TestSandbox,
  type WebhookReceiver,
  webhookReceiver,
} from './test-support.ts';

const FIXTURE = fileURLToPath(new URL('./webhooks-durability.fixture.ts', import.meta.url));
const DBS = await databases();
const postgres = DBS.find((db) => db.name === 'postgres');
/** Instances sharing one database share the key that seals the endpoints' secrets. */
const KEY = randomBytes(32).toString('base64');
/** How long to wait for something a loaded machine does in well under a second. */
const DEADLINE_MS = 60_000;
type Json = Record<string, unknown>;

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A webhook receiver the test closes at its end (webhook-receiver.ts). */
async function receiver(): Promise<WebhookReceiver> {
  const hook = await webhookReceiver();
  cleanups.push(() => hook.close());
  return hook;
}

/** Calls a router with a merchant's secret; the answer's status and JSON body. */
async function call<T = Json>(
  url: string,
  secret: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(secret === null ? {} : { 'accrupay-api-secret': secret }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Starts a session on `startUrl`, pays it at the simulator, verifies it on `verifyUrl`. */
async function payAndVerify(
  merchant: MerchantCredentials,
  urls: { start: string; verify: string; provider: string },
  code: string,
) {
  const started = await call<{ id: string; token: string }>(
    urls.start,
    merchant.apiSecret,
    'POST',
    '/v1/client-sessions/payments',
    paymentStart(merchant, 'STRIPE', { code }),
  );
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const paid = await call(urls.provider, null, 'POST', '/hosted/submit', {
    provider: 'stripe',
    token: started.body.token,
    origin: SHOP_ORIGIN,
    number: GOOD_CARDS.STRIPE,
    expMonth: '12',
    expYear: '2034',
    cvc: '123',
    name: 'Jane Smith',
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  const verified = await call<Json>(
    urls.verify,
    merchant.apiSecret,
    'POST',
    '/v1/client-sessions/payments/verify',
    { id: started.body.id },
  );
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  expect(verified.body).toMatchObject({ status: 'SUCCEEDED' });
  return started.body.id;
}

/** Every event of the merchant, oldest first. */
async function allEvents(url: string, merchant: MerchantCredentials) {
  const listed = await call<{ data: (Json & { id: string; type: string })[]; total: number }>(
    url,
    merchant.apiSecret,
    'GET',
    '/v1/events?take=100',
  );
  expect(listed.status).toBe(200);
  expect(listed.body.data).toHaveLength(listed.body.total);
  return listed.body.data.reverse();
}

interface Child {
  child: ChildProcess;
  url: string;
  providerUrl: string;
  merchant: MerchantCredentials;
  exited: Promise<number | null>;
  /** Lets its dispatcher claim and send what is due. */
  deliver(): void;
}

/** Starts a sandbox in a child process (delivering nothing until told) and waits until it listens. */
function startChild(options: { db: string; simDb: string }): Promise<Child> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@accrupay/source',
      FIXTURE,
      JSON.stringify({ ...options, credentialsKey: KEY }),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal === null ? code : -1)),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /^READY (.+)$/m.exec(output)?.[1];
      if (ready === undefined) return;
      const { url, providerUrl, merchant } = JSON.parse(ready) as Omit<Child, 'child'>;
      resolve({
        child,
        url,
        providerUrl,
        merchant,
        exited,
        deliver: () => child.stdin?.write('deliver\n'),
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) =>
      reject(new Error(`the sandbox exited ${code} before ready:\n${output}`)),
    );
  });
}

/** Kills the child as a crash would, and waits until it is gone. */
async function crash(running: Child) {
  running.child.kill('SIGKILL');
  expect(await running.exited).toBe(-1);
}

/** The sandbox that takes over the database: on a manual clock, delivering only in runDue. */
async function takeOver(db: string, simDb: string): Promise<RunningSandbox> {
  const sandbox = await startSandbox({
    db,
    simDb,
    credentialsKey: KEY,
    port: 0,
    logger: false,
    sim: { clock: { mode: 'manual', start: new Date().toISOString() } },
    webhooks: { autoStart: false },
  });
  cleanups.push(() => sandbox.close());
  return sandbox;
}

const DURABLE = [
  { name: 'a SQLite file', skip: false, url: (dir: string) => join(dir, 'sandbox.db') },
  { name: 'PostgreSQL', skip: postgres?.skip ?? true, url: () => postgres?.url() ?? '' },
];

describe.each(DURABLE)('a sandbox killed with SIGKILL, on $name', (target) => {
  describe.skipIf(target.skip)('', { timeout: 180_000 }, () => {
    async function setup() {
      const dir = await mkdtemp(join(tmpdir(), 'accrupay-webhooks-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const hook = await receiver();
      const files = { db: target.url(dir), simDb: join(dir, 'provider-sim.db') };
      const first = await startChild(files);
      const endpoint = await call<{ id: string; secret: string }>(
        first.url,
        first.merchant.apiSecret,
        'POST',
        '/v1/webhook-endpoints',
        { url: hook.url },
      );
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
      const pay = (code: string) =>
        payAndVerify(
          first.merchant,
          { start: first.url, verify: first.url, provider: first.providerUrl },
          code,
        );
      return { hook, files, first, secret: endpoint.body.secret, pay };
    }

    test('while a delivery is in flight: after the lease lapses it goes again with the same id and body, every other event once', async () => {
      const { hook, files, first, secret, pay } = await setup();
      for (const code of ['kill-1', 'kill-2', 'kill-3']) await pay(code);
      // The first request is held open: the dispatcher waits on it, the rest still queued.
      hook.respond((_request, index) => (index === 0 ? 'hold' : 200));
      first.deliver();
      await hook.waitFor(1, 'the first delivery', DEADLINE_MS);
      await crash(first);
      expect(hook.received).toHaveLength(1);
      const inFlight = hook.received[0] as ReceivedWebhook;
      const inFlightId = String(inFlight.headers['webhook-id']);

      const second = await takeOver(files.db, files.simDb);
      const events = await allEvents(second.url, first.merchant);
      expect(events.map((event) => event.type)).toEqual(
        Array(3).fill(['transaction.succeeded', 'client_session.completed']).flat(),
      );
      expect(events.map((event) => event.id)).toContain(inFlightId);
      // A delivery is claimed right before it is sent: only the one in flight carries the dead
      // instance's lease, and it holds until it lapses; the others go at once.
      const deliveries = (
        await Promise.all(events.map((event) => second.store.listDeliveriesOfEvent(event.id)))
      ).flat();
      expect(deliveries).toHaveLength(events.length);
      const leased = deliveries.filter((delivery) => delivery.lease_expires_at !== null);
      expect(leased.map((delivery) => delivery.event_id)).toEqual([inFlightId]);
      const now = second.clock.now();
      const lease = Date.parse(String(leased[0]?.lease_expires_at));
      expect(lease, 'the take-over started within the lease of 60 s').toBeGreaterThan(now);
      expect(await second.service.webhooks.runDue()).toBe(events.length - 1);
      expect(hook.received).toHaveLength(events.length);
      expect(hook.counts().get(inFlightId)).toBe(1);

      await second.sim?.clock.advance(lease - now);
      expect(await second.service.webhooks.runDue()).toBe(1);
      const counts = hook.counts();
      expect([...counts.keys()].sort()).toEqual(events.map((event) => event.id).sort());
      for (const event of events) {
        expect(counts.get(event.id), event.type).toBe(event.id === inFlightId ? 2 : 1);
      }
      const again = hook.received.filter((r) => r.headers['webhook-id'] === inFlightId);
      expect(again[1]?.body).toBe(inFlight.body);
      expect(hook.verified(secret).map((event) => event.id)).toEqual(
        hook.received.map((r) => r.headers['webhook-id']),
      );
      for (const delivery of (
        await Promise.all(events.map((event) => second.store.listDeliveriesOfEvent(event.id)))
      ).flat()) {
        expect(delivery).toMatchObject({ state: 'SUCCEEDED', lease_holder: null });
      }
      // Delivered: nothing more goes, however late.
      await second.sim?.clock.advance(24 * 3600_000);
      expect(await second.service.webhooks.runDue()).toBe(0);
      expect(hook.received).toHaveLength(events.length + 1);
    });

    test('after a status change committed and before any delivery: its events are delivered once after the restart', async () => {
      const { hook, files, first, secret, pay } = await setup();
      const sessionId = await pay('commit-1');
      await crash(first);
      expect(hook.received).toHaveLength(0);

      const second = await takeOver(files.db, files.simDb);
      const events = await allEvents(second.url, first.merchant);
      expect(events.map((event) => event.type)).toEqual([
        'transaction.succeeded',
        'client_session.completed',
      ]);
      expect(await second.service.webhooks.runDue()).toBe(2);
      const delivered = hook.verified(secret);
      expect(delivered.map((event) => event.id)).toEqual(events.map((event) => event.id));
      expect(delivered[1]).toMatchObject({
        data: { object: { id: sessionId, status: 'COMPLETED' } },
      });
      await second.sim?.clock.advance(24 * 3600_000);
      expect(await second.service.webhooks.runDue()).toBe(0);
      expect(hook.received).toHaveLength(2);
    });
  });
});

describe.skipIf(!postgres || postgres.skip)(
  'two instances sharing one PostgreSQL database',
  {
    timeout: 180_000,
  },
  () => {
    const SESSIONS = 12;
    const codes = Array.from({ length: SESSIONS }, (_, i) => `shared-${i}`);

    /** A test sandbox and a second instance on its database, simulator, clock and key. */
    async function twoInstances(webhooks: SandboxOptions['webhooks']) {
      const url = postgres?.url() ?? '';
      const a: TestSandbox = await startTestSandbox({
        db: url,
        sandbox: { credentialsKey: KEY, webhooks },
      });
      cleanups.push(() => a.close());
      const b = await startSandbox({
        db: url,
        port: 0,
        logger: false,
        providerUrl: a.sandbox.providerUrl,
        clock: a.sandbox.clock,
        credentialsKey: KEY,
        webhooks,
      });
      cleanups.push(() => b.close());
      const hook = await receiver();
      const endpoint = await a.api<{ secret: string }>('POST', '/v1/webhook-endpoints', {
        body: { url: hook.url },
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
      const urls = [a.sandbox.url, b.url];
      /** Pays session `i`, started on one instance and verified on the other. */
      const pay = (i: number) => {
        const code = codes[i] as string;
        a.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: code } });
        return payAndVerify(
          a.merchant,
          {
            start: urls[i % 2] as string,
            verify: urls[(i + 1) % 2] as string,
            provider: a.sandbox.providerUrl,
          },
          code,
        );
      };
      /** Both dispatchers at once, each asked twice; how many deliveries they attempted. */
      const rounds = async () => {
        const [x, y] = await Promise.all([
          a.sandbox.service.webhooks.runDue(),
          b.service.webhooks.runDue(),
          a.sandbox.service.webhooks.runDue(),
          b.service.webhooks.runDue(),
        ]);
        return (x ?? 0) + (y ?? 0);
      };
      const drain = async () => {
        while ((await rounds()) > 0);
      };
      const deliveries = async () =>
        (
          await Promise.all(
            (
              await allEvents(b.url, a.merchant)
            ).map((event) => b.store.listDeliveriesOfEvent(event.id)),
          )
        ).flat();
      return { a, b, hook, secret: endpoint.body.secret, pay, rounds, drain, deliveries };
    }

    test('events written while both run rounds at once: each is delivered once', async () => {
      const { a, hook, secret, pay, rounds, drain, deliveries } = await twoInstances({
        autoStart: false,
      });
      for (let group = 0; group < SESSIONS; group += 4) {
        await Promise.all([
          ...[0, 1, 2, 3].map((i) => pay(group + i)),
          rounds(),
          rounds(),
          rounds(),
        ]);
      }
      await drain();
      const events = await allEvents(a.sandbox.url, a.merchant);
      expect(events).toHaveLength(2 * SESSIONS);
      const counts = hook.counts();
      expect([...counts.keys()].sort()).toEqual(events.map((event) => event.id).sort());
      expect(
        [...counts.values()].every((count) => count === 1),
        JSON.stringify([...counts]),
      ).toBe(true);
      expect(hook.verified(secret)).toHaveLength(2 * SESSIONS);
      for (const delivery of await deliveries()) {
        expect(delivery).toMatchObject({ state: 'SUCCEEDED', attempts: 0 });
      }
    });

    test('an endpoint that fails each event once: each is sent once, then once more after 5 s, never again', async () => {
      const { a, hook, pay, drain, deliveries } = await twoInstances({ autoStart: false });
      const seen = new Set<string>();
      hook.respond((request) => {
        const id = String(request.headers['webhook-id']);
        if (seen.has(id)) return 200;
        seen.add(id);
        return 500;
      });
      await Promise.all(codes.map((_, i) => pay(i)));
      const events = await allEvents(a.sandbox.url, a.merchant);
      expect(events).toHaveLength(2 * SESSIONS);
      const ids = events.map((event) => event.id).sort();
      const expectEach = (times: number) => {
        const counts = hook.counts();
        expect([...counts.keys()].sort()).toEqual(ids);
        expect(
          [...counts.values()].every((count) => count === times),
          JSON.stringify([...counts]),
        ).toBe(true);
      };
      await drain();
      expectEach(1);
      await a.sim.clock.advance(4_999);
      await drain();
      expectEach(1);
      await a.sim.clock.advance(1);
      await drain();
      expectEach(2);
      for (const delivery of await deliveries()) {
        expect(delivery).toMatchObject({ state: 'SUCCEEDED', attempts: 1 });
      }
      await a.sim.clock.advance(24 * 3600_000);
      await drain();
      expectEach(2);
    });

    // A round once claimed its whole batch at once with one lease of 60 s, then sent one endpoint's
    // deliveries one after the other, each allowed 15 s: past the lease the other instance claimed
    // the rest and sent them too. Each delivery is now claimed right before its send. Here the
    // endpoint takes 14 s (router clock) per request, and the other instance runs after the fifth.
    test('a slow endpoint: deliveries claimed in one batch are not sent again by the other instance', async () => {
      const { a, b, hook, pay, drain } = await twoInstances({ autoStart: false });
      for (let i = 0; i < 4; i++) await pay(i);
      let otherRan = false;
      hook.respond(async () => {
        await a.sim.clock.advance(14_000);
        if (hook.received.length === 5 && !otherRan) {
          otherRan = true;
          await b.service.webhooks.runDue();
        }
        return 200;
      });
      await a.sandbox.service.webhooks.runDue();
      await drain();
      expect(otherRan).toBe(true);
      const counts = hook.counts();
      expect(counts.size).toBe(8);
      expect(
        [...counts.values()].every((count) => count === 1),
        JSON.stringify([...counts]),
      ).toBe(true);
    });

    test('both dispatchers polling on their own: each event is delivered once', async () => {
      const { a, b, hook, pay, deliveries } = await twoInstances({ pollMs: 5 });
      await Promise.all(codes.map((_, i) => pay(i)));
      await hook.waitFor(2 * SESSIONS, 'every event', DEADLINE_MS);
      // Once both have stopped (each waits for its round in flight), nothing else can arrive.
      await Promise.all([a.sandbox.service.webhooks.close(), b.service.webhooks.close()]);
      const events = await allEvents(a.sandbox.url, a.merchant);
      expect(events).toHaveLength(2 * SESSIONS);
      const counts = hook.counts();
      expect([...counts.keys()].sort()).toEqual(events.map((event) => event.id).sort());
      expect(
        [...counts.values()].every((count) => count === 1),
        JSON.stringify([...counts]),
      ).toBe(true);
      for (const delivery of await deliveries())
        expect(delivery).toMatchObject({ state: 'SUCCEEDED' });
    });
  },
);

describe.each(DBS)('a status change that rolls back, on $name', (db) => {
  describe.skipIf(db.skip)('', { timeout: 60_000 }, () => {
    test('writes no event and queues no delivery; once it commits, its events go once', async () => {
      const t = await startTestSandbox({
        db: db.url(),
        sandbox: { webhooks: { autoStart: false } },
      });
      cleanups.push(() => t.close());
      const hook = await receiver();
      const created = await t.api('POST', '/v1/webhook-endpoints', { body: { url: hook.url } });
      expect(created.status).toBe(200);
      const kysely = asKysely(t.sandbox.store).db;
      // The transaction of the change fails after the status update and the event's insert: as
      // it queues the event's delivery.
      if (db.name === 'postgres') {
        await sql`create function refuse_delivery() returns trigger language plpgsql as $$
          begin raise exception 'injected failure'; end $$`.execute(kysely);
        await sql`create trigger refuse_delivery before insert on webhook_deliveries
          for each row execute function refuse_delivery()`.execute(kysely);
      } else {
        await sql`create trigger refuse_delivery before insert on webhook_deliveries
          begin select raise(abort, 'injected failure'); end`.execute(kysely);
      }
      t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'rollback-1' } });
      const started = await t.api<{ id: string; token: string }>(
        'POST',
        '/v1/client-sessions/payments',
        { body: paymentStart(t.merchant, 'STRIPE', { code: 'rollback-1' }) },
      );
      expect(started.status).toBe(200);
      await t.pay('STRIPE', started.body.token, GOOD_CARDS.STRIPE);
      const verify = () =>
        t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
          body: { id: started.body.id },
        });
      const failed = await verify();
      expect(failed.status, JSON.stringify(failed.body)).toBeGreaterThanOrEqual(500);
      expect((await t.api<{ total: number }>('GET', '/v1/events')).body.total).toBe(0);
      const rows = await sql<{
        count: string | number;
      }>`select count(*) as count from events`.execute(kysely);
      expect(Number(rows.rows[0]?.count)).toBe(0);
      const session = await t.api<Json>('GET', `/v1/client-sessions/lookup?id=${started.body.id}`);
      expect(session.body.status).not.toBe('COMPLETED');
      const transactions = await t.api<{ data: Json[] }>('GET', '/v1/transactions');
      expect(transactions.body.data.filter((row) => row.status === 'SUCCEEDED')).toEqual([]);
      expect(await t.sandbox.service.webhooks.runDue()).toBe(0);
      expect(hook.received).toHaveLength(0);

      await sql`drop trigger refuse_delivery${sql.raw(db.name === 'postgres' ? ' on webhook_deliveries' : '')}`.execute(
        kysely,
      );
      expect((await verify()).body).toMatchObject({ status: 'SUCCEEDED' });
      await t.sandbox.service.webhooks.runDue();
      const events = await allEvents(t.sandbox.url, t.merchant);
      expect(events.map((event) => event.type)).toEqual([
        'transaction.succeeded',
        'client_session.completed',
      ]);
      expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual(
        events.map((event) => event.id),
      );
    });
  });
});
