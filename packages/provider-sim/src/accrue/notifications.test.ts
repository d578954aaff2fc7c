import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Loose } from '../test-helpers.ts';
import { verifyAccrueNotification } from './signature.ts';
import {
  ACCRUE,
  accrue,
  accruePerTest,
  authorize,
  authorizeBody,
  captureBody,
  DAY,
  getPayment,
  newIntent,
} from './test-support.ts';

const t = accruePerTest();

/** The notifications received so far, each with whether its signature verifies with the account's secret. */
function received(): { type: string; data: Loose; verified: boolean; header: string }[] {
  return t.hooks.received
    .filter((r) => r.headers['accrue-signature'])
    .map((r) => {
      const header = String(r.headers['accrue-signature']);
      const body = JSON.parse(r.body) as Loose;
      return {
        type: body.type,
        data: body.data,
        header,
        verified: verifyAccrueNotification(ACCRUE.webhookSecret, header, r.body),
      };
    });
}

describe('Accrue Pay notifications', () => {
  it('every status change is a signed notification { id, type, created_at, data } to accrue.webhookUrl', async () => {
    const id = await newIntent(t.url);
    const pay = await authorize(t.url, id, { capture_method: 'automatic' });
    await t.sim.flush();
    await t.sim.clock.advance(DAY);
    await t.sim.flush();
    const got = received();
    expect(got.map((g) => g.type)).toEqual([
      'payment_intent.created',
      'payment.authorized',
      'payment.captured',
      'payment.succeeded',
      'payment.settled',
    ]);
    expect(got.every((g) => g.verified)).toBe(true);
    expect(got[0]?.header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(got[0]?.data).toMatchObject({ id, type: 'payment_intents' });
    expect(got.slice(1).map((g) => [g.data.id, g.data.attributes.status])).toEqual([
      [pay.id, 'authorized'],
      [pay.id, 'captured'],
      [pay.id, 'succeeded'],
      [pay.id, 'settled'],
    ]);
    const raw = JSON.parse(t.hooks.received[0]?.body ?? '{}');
    expect(Object.keys(raw)).toEqual(['id', 'type', 'created_at', 'data']);
    expect(raw.id).toMatch(/^evt_/);
    expect(raw.created_at).toBe('2030-01-15T12:00:00.000Z');
    expect(t.sim.deliveries().every((d) => d.provider === 'accrue')).toBe(true);
  });

  it('manual bank payment: requires_capture, captured, processing, succeeded; an expired intent: payment_intent.canceled', async () => {
    const pay = await authorize(t.url, await newIntent(t.url, { method: 'bank' }));
    await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody());
    const idle = await newIntent(t.url);
    await t.sim.clock.advance(3 * DAY);
    await t.sim.flush();
    const types = received().map((g) => `${g.type}:${g.data.id}`);
    expect(types).toEqual([
      expect.stringMatching(/^payment_intent\.created:/),
      `payment.requires_capture:${pay.id}`,
      `payment.captured:${pay.id}`,
      `payment.processing:${pay.id}`,
      `payment_intent.created:${idle}`,
      `payment_intent.canceled:${idle}`,
      `payment.succeeded:${pay.id}`,
    ]);
  });

  it('drop_callback and duplicate_callback apply to provider accrue', async () => {
    t.sim.addScenario({ kind: 'drop_callback', provider: 'accrue', times: 1 });
    t.sim.addScenario({ kind: 'duplicate_callback', provider: 'accrue', times: 1 });
    const id = await newIntent(t.url);
    await authorize(t.url, id);
    await t.sim.flush();
    // The intent's notification is dropped, the payment's is sent twice.
    expect(received().map((g) => g.type)).toEqual([
      'payment.requires_capture',
      'payment.requires_capture',
    ]);
    expect(t.sim.deliveries().map((d) => [d.eventType, d.state])).toEqual([
      ['payment_intent.created', 'dropped'],
      ['payment.requires_capture', 'delivered'],
      ['payment.requires_capture', 'delivered'],
    ]);
  });

  it('forged_callback: a copy with a bad signature, or a payment.succeeded signed with the wrong secret', async () => {
    t.sim.addScenario({
      kind: 'forged_callback',
      provider: 'accrue',
      mode: 'bad_signature',
      times: 1,
    });
    const id = await newIntent(t.url);
    await t.sim.flush();
    expect(received().map((g) => [g.type, g.verified])).toEqual([
      ['payment_intent.created', false],
      ['payment_intent.created', true],
    ]);
    t.sim.addScenario({
      kind: 'forged_callback',
      provider: 'accrue',
      mode: 'wrong_secret_success',
      target: { providerRef: id },
      times: 1,
    });
    await authorize(t.url, id);
    await t.sim.flush();
    const forged = received().slice(2);
    expect(forged.map((g) => [g.type, g.data.attributes.status, g.verified])).toEqual([
      ['payment.succeeded', 'succeeded', false],
      ['payment.requires_capture', 'requires_capture', true],
    ]);
  });
});

describe('Accrue Pay API faults', () => {
  it('api_error aimed at one intent: 500 in the 004 format, nothing done; the other intent and the retry work', async () => {
    const a = await newIntent(t.url);
    const b = await newIntent(t.url);
    t.sim.addScenario({ kind: 'api_error', provider: 'accrue', target: { providerRef: b } });
    const okA = await accrue(t.url, 'POST', `/payment_intents/${a}/authorize`, authorizeBody({}));
    expect(okA.status).toBe(201);
    const failB = await accrue(t.url, 'POST', `/payment_intents/${b}/authorize`, authorizeBody({}));
    expect(failB.status).toBe(500);
    expect(failB.body.errors[0]).toMatchObject({ status: '500', code: 'internal_server_error' });
    expect((await accrue(t.url, 'GET', `/payment_intents/${b}`)).body.data.attributes.status).toBe(
      'created',
    );
    expect(t.sim.ledger({ provider: 'accrue', token: b })).toEqual([]);
    const retry = await accrue(t.url, 'POST', `/payment_intents/${b}/authorize`, authorizeBody({}));
    expect(retry.status).toBe(201);
  });

  it('api_timeout applied: the capture happens, the answer never comes; a retry with the same key replays it', async () => {
    const pay = await authorize(t.url, await newIntent(t.url));
    t.sim.addScenario({
      kind: 'api_timeout',
      provider: 'accrue',
      target: { providerRef: pay.id },
      applied: true,
    });
    const held = once(t.sim.events, 'request-held');
    const pending = accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody(), {
      idem: 'k1',
    }).then(
      () => 'answered',
      () => 'connection dropped',
    );
    await held;
    await t.sim.clock.advance(30_000);
    expect(await pending).toBe('connection dropped');
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('succeeded');
    const replay = await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody(), {
      idem: 'k1',
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(t.sim.ledger({ provider: 'accrue', kind: 'capture' })).toHaveLength(1);
  });

  it('api_timeout not applied: the capture never happens', async () => {
    const pay = await authorize(t.url, await newIntent(t.url));
    t.sim.addScenario({
      kind: 'api_timeout',
      provider: 'accrue',
      target: { providerRef: pay.id },
      applied: false,
    });
    const held = once(t.sim.events, 'request-held');
    const pending = accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody()).catch(
      () => 'dropped',
    );
    await held;
    await t.sim.clock.advance(30_000);
    expect(await pending).toBe('dropped');
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('requires_capture');
    expect(t.sim.ledger({ provider: 'accrue', kind: 'capture' })).toHaveLength(0);
  });

  it('unmappable_status reports a status the router cannot map', async () => {
    const pay = await authorize(t.url, await newIntent(t.url));
    t.sim.addScenario({
      kind: 'unmappable_status',
      provider: 'accrue',
      target: { providerRef: pay.id },
    });
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('pending_review');
  });
});
