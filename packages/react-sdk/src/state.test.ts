import { describe, expect, test } from 'vitest';
import {
  type AccruPaySessionView,
  type AccruPayState,
  IDLE_STATE,
  type MachineEvent,
  transition,
} from './state.ts';

const session = (status: AccruPaySessionView['status']): AccruPaySessionView => ({
  id: '6c8d2b8e-1f6a-4c44-9d6b-2f3f3c1d0a11',
  status,
  kind: 'CLIENT',
  type: 'payment',
  amount: 10000n,
  currency: 'USD',
  transactionProvider: 'STRIPE',
  expiresAt: null,
});

function run(...events: MachineEvent[]): AccruPayState {
  return events.reduce(transition, IDLE_STATE);
}

const load: MachineEvent = { type: 'load', sessionId: null };
const loaded: MachineEvent = { type: 'loaded', session: session('ACTIVE') };
const open: MachineEvent = { type: 'frame-ready', state: 'open' };

describe('the payment form state machine', () => {
  test('loads, becomes ready when the card page says open, and succeeds on approval', () => {
    expect(run(load).status).toBe('loading');
    const waiting = run(load, loaded);
    expect(waiting).toMatchObject({ status: 'loading', sessionId: session('ACTIVE').id });
    expect(run(load, loaded, open).status).toBe('ready');
    expect(run(load, loaded, open, { type: 'frame-submitting' }).status).toBe('submitting');
    expect(run(load, loaded, open, { type: 'frame-result', status: 'approved' })).toMatchObject({
      status: 'succeeded',
      error: null,
      alreadyFinished: false,
    });
  });

  test('a decline and a provider error fail in plain words, with the provider code and message; an expiry expires', () => {
    const declined = run(load, loaded, open, {
      type: 'frame-result',
      status: 'declined',
      error: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    expect(declined).toMatchObject({
      status: 'failed',
      error: {
        code: 'DECLINED',
        message: 'Your card was declined. Try another card.',
        providerCode: 'insufficient_funds',
        providerMessage: 'Your card has insufficient funds.',
      },
    });
    const denied = run(load, loaded, open, {
      type: 'frame-result',
      status: 'declined',
      authenticationFailed: true,
      error: { code: 'payment_intent_authentication_failure', message: 'The provided ...' },
    });
    expect(denied).toMatchObject({
      status: 'failed',
      error: {
        code: 'AUTHENTICATION_FAILED',
        message: 'The authentication was not completed. Try again or use another card.',
      },
    });
    expect(run(load, loaded, open, { type: 'frame-result', status: 'error' }).error).toEqual({
      code: 'PROVIDER_ERROR',
      message: 'Your card could not be processed. Try again later.',
    });
    expect(run(load, loaded, open, { type: 'frame-result', status: 'expired' }).status).toBe(
      'expired',
    );
  });

  test('a decline in a session the provider keeps open stays ready with the error, and the next card can still succeed', () => {
    const declined: MachineEvent = { type: 'frame-result', status: 'declined', sessionOpen: true };
    const retry = run(load, loaded, open, { type: 'frame-submitting' }, declined);
    expect(retry).toMatchObject({
      status: 'ready',
      error: { code: 'DECLINED', message: 'Your card was declined. Try another card.' },
    });
    const again = transition(retry, { type: 'frame-submitting' });
    expect(again).toMatchObject({ status: 'submitting', error: null });
    expect(transition(again, { type: 'frame-result', status: 'approved' })).toMatchObject({
      status: 'succeeded',
      error: null,
    });
    // An error (not a decline) ends the session even when the provider would keep it open.
    expect(
      run(load, loaded, open, { type: 'frame-result', status: 'error', sessionOpen: true }).status,
    ).toBe('failed');
  });

  test.each([
    ['EXPIRED', 'expired'],
    ['CANCELED', 'canceled'],
    ['DECLINED', 'failed'],
    ['ERROR', 'failed'],
    ['COMPLETED', 'finished'],
    ['UNKNOWN', 'finished'],
  ] as const)('a session already %s loads as %s, never as a form', (status, expected) => {
    const state = run(load, { type: 'loaded', session: session(status) });
    expect(state).toMatchObject({ status: expected, alreadyFinished: true });
    expect(transition(state, open)).toBe(state);
  });

  test('the card page can say the session is expired or closed', () => {
    expect(run(load, loaded, { type: 'frame-ready', state: 'expired' })).toMatchObject({
      status: 'expired',
      alreadyFinished: true,
    });
    expect(run(load, loaded, { type: 'frame-ready', state: 'closed' }).status).toBe('finished');
  });

  test('a final state accepts nothing more for its session: no second result, no cancel', () => {
    const succeeded = run(load, loaded, open, { type: 'frame-result', status: 'approved' });
    for (const event of [
      { type: 'frame-result', status: 'declined' },
      { type: 'frame-result', status: 'approved' },
      { type: 'frame-ready', state: 'open' },
      { type: 'frame-submitting' },
      { type: 'cancel' },
      { type: 'loaded', session: session('ACTIVE') },
      { type: 'load-failed', error: { code: 'NETWORK', message: 'x' } },
    ] as const) {
      expect(transition(succeeded, event)).toBe(succeeded);
    }
    // A new session starts over.
    expect(transition(succeeded, load).status).toBe('loading');
  });

  test('a result or readiness before the session is loaded is ignored', () => {
    const loading = run(load);
    expect(transition(loading, open)).toBe(loading);
    expect(transition(loading, { type: 'frame-result', status: 'approved' })).toBe(loading);
    expect(transition(IDLE_STATE, { type: 'frame-result', status: 'approved' })).toBe(IDLE_STATE);
  });

  test('cancel works while loading, ready or submitting', () => {
    expect(run(load, { type: 'cancel' }).status).toBe('canceled');
    expect(run(load, loaded, open, { type: 'cancel' }).status).toBe('canceled');
    expect(run(load, loaded, open, { type: 'frame-submitting' }, { type: 'cancel' }).status).toBe(
      'canceled',
    );
  });

  test('a load failure fails with its error', () => {
    const error = { code: 'SESSION_NOT_FOUND', message: 'no such session' } as const;
    expect(run(load, { type: 'load-failed', error })).toMatchObject({ status: 'failed', error });
  });
});
