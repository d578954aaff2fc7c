import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { asKysely } from './store/test-support.ts';
import { GOOD_CARDS } from './test-cards.ts';
import { databases, paymentStart, startTestSandbox } from './test-support.ts';

type Json = Record<string, unknown>;

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)(
  'provider credentials encrypted at rest, across a restart on $name',
  (target) => {
    test.skipIf(target.skip)(
      'the restarted sandbox reads its key file: sessions, verify and signed callbacks work',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'accrupay-restart-'));
        // SQLite: a file, with its key file beside it; PostgreSQL: the key file of the working directory.
        const db = target.name === 'sqlite' ? join(dir, 'sandbox.db') : target.url();
        const keyFile =
          target.name === 'sqlite'
            ? join(dir, 'credentials.key')
            : join(process.cwd(), '.accrupay', 'credentials.key');
        try {
          const first = await startTestSandbox({ db });
          const { merchant } = first;
          const rows = await asKysely(first.sandbox.store)
            .db.selectFrom('merchant_transaction_providers')
            .select(['id', 'credentials'])
            .execute();
          expect(rows.length).toBeGreaterThan(0);
          for (const row of rows) expect(row.credentials).toMatch(/^enc:v1:/);
          const key = process.env.ACCRUPAY_CREDENTIALS_KEY ?? (await readFile(keyFile, 'utf8'));
          await first.close();

          const second = await startTestSandbox({ db });
          try {
            expect(process.env.ACCRUPAY_CREDENTIALS_KEY ?? (await readFile(keyFile, 'utf8'))).toBe(
              key,
            );
            const api = (path: string, body: unknown) =>
              fetch(`${second.sandbox.url}${path}`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  'accrupay-api-secret': merchant.apiSecret,
                },
                body: JSON.stringify(body),
              }).then(async (answer) => ({
                status: answer.status,
                body: (await answer.json()) as Json,
              }));
            for (const provider of ['STRIPE', 'NUVEI'] as const) {
              const code = `order-${provider}`;
              const started = await api('/v1/client-sessions/payments', {
                ...paymentStart(merchant, provider, { code }),
              });
              expect(started.status, JSON.stringify(started.body)).toBe(200);
              const card = GOOD_CARDS[provider];
              expect((await second.pay(provider, started.body.token as string, card)).status).toBe(
                200,
              );
              await second.sim.flush();
              // The callbacks' signatures are checked with the decrypted webhook secret.
              const deliveries = second.sim
                .deliveries()
                .filter((delivery) =>
                  delivery.url.includes(merchant.merchantTransactionProviderIds[provider] ?? '-'),
                );
              expect(deliveries.length).toBeGreaterThan(0);
              for (const delivery of deliveries) expect(delivery.state).toBe('delivered');
              const verified = await api('/v1/client-sessions/payments/verify', {
                id: started.body.id,
              });
              expect(verified.body).toMatchObject({ status: 'SUCCEEDED' });
            }
          } finally {
            await second.close();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  },
);
