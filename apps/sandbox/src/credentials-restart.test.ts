import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { asKysely } from './store/test-support.ts';
import { paymentStart, startTestSandbox } from './test-support.ts';

type Json = Record<string, unknown>;

describe('provider credentials encrypted at rest, across a restart', () => {
  test('the restarted sandbox reads its key file: sessions, verify and signed callbacks work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accrupay-restart-'));
    const db = join(dir, 'sandbox.db');
    try {
      const first = await startTestSandbox({ db });
      const { merchant } = first;
      const rows = await asKysely(first.sandbox.store)
        .db.selectFrom('merchant_transaction_providers')
        .select(['id', 'credentials'])
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.credentials).toMatch(/^enc:v1:/);
      const key = await readFile(join(dir, 'credentials.key'), 'utf8');
      await first.close();

      const second = await startTestSandbox({ db });
      try {
        expect((await readFile(join(dir, 'credentials.key'), 'utf8')) === key).toBe(true);
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
          const card = provider === 'STRIPE' ? '4242424242424242' : '4761344136141390';
          expect((await second.pay(provider, started.body.token as string, card)).status).toBe(200);
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
  });
});
