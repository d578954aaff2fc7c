import type { Router } from 'express';
import type { z } from 'zod';
import { cardOutcome } from '../cards.ts';
import {
  assertConfirmable,
  declineOf,
  intentFailed,
  noSuchIntent,
  type StripeErrorBody,
  unexpectedState,
} from './errors.ts';
import { intentRoutes } from './intent-routes.ts';
import { confirmingPaymentMethod, resolvePaymentMethod } from './payment-methods.ts';
import type { Handle } from './routes.ts';
import { cancelSchema, confirmSchema, createSISchema } from './schemas.ts';
import {
  type Auth,
  openIntent,
  type PaymentMethod,
  type SetupIntent,
  type StripeState,
  siKeys,
  siSubject,
} from './state.ts';
import { siEvent, siJson } from './webhooks.ts';

export function getSI(s: StripeState, auth: Auth, id: string, clientSecret?: string): SetupIntent {
  const si = s.setupIntents.get(id);
  if (
    !si ||
    si.accountId !== auth.account.id ||
    (auth.mode === 'publishable' && clientSecret !== si.client_secret)
  ) {
    throw noSuchIntent('setup_intent', id);
  }
  return si;
}

type CreateSI = z.infer<typeof createSISchema>;

/** A new SetupIntent (`POST /v1/setup_intents`), confirmed at once with `confirm`. */
export function createSetupIntent(s: StripeState, auth: Auth, input: CreateSI): SetupIntent {
  const si = openIntent<SetupIntent>(s, auth, input, {
    object: 'setup_intent',
    usage: input.usage ?? 'off_session',
    last_setup_error: null,
  });
  const { accountId } = si;
  siEvent(s, si, 'setup_intent.created');
  const pm = resolvePaymentMethod(s, accountId, input.payment_method, input.payment_method_data);
  if (pm) {
    si.payment_method = pm.id;
    si.status = 'requires_confirmation';
    if (input.confirm) confirmSI(s, si, pm);
  }
  return si;
}

export function confirmSI(s: StripeState, si: SetupIntent, pm: PaymentMethod): void {
  assertConfirmable('setup_intent', si);
  si.payment_method = pm.id;
  si.last_setup_error = null;
  const outcome = cardOutcome('stripe', pm.number);
  if (outcome === 'challenge_3ds') {
    si.status = 'requires_action';
    si.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: {
        url: `${s.baseUrl}/hosted/3ds?provider=stripe&token=${encodeURIComponent(si.client_secret)}`,
        return_url: null,
      },
    };
    siEvent(s, si, 'setup_intent.requires_action');
    return;
  }
  if (outcome === 'success' || outcome === 'attach_ok_charge_declines') {
    succeedSI(s, si, pm);
    return;
  }
  failSI(s, si, declineOf(outcome));
}

export function succeedSI(s: StripeState, si: SetupIntent, pm: PaymentMethod): void {
  si.status = 'succeeded';
  si.next_action = null;
  if (si.customer) pm.customer = si.customer;
  s.core.ledger.record(siSubject(si), { kind: 'verification', amount: 0, detail: pm.id });
  siEvent(s, si, 'setup_intent.succeeded');
}

export function failSI(s: StripeState, si: SetupIntent, error: StripeErrorBody): never {
  si.status = 'requires_payment_method';
  si.next_action = null;
  si.last_setup_error = error;
  s.core.ledger.record(siSubject(si), {
    kind: 'decline',
    amount: 0,
    detail: error.decline_code ?? error.code,
  });
  siEvent(s, si, 'setup_intent.setup_failed');
  throw intentFailed(error, { setup_intent: siJson(s, si) });
}

/** POST /v1/setup_intents, GET one, confirm and cancel. */
export function setupIntentRoutes(r: Router, s: StripeState, handle: Handle): void {
  const routes = intentRoutes(r, handle, {
    path: '/v1/setup_intents',
    peek: (id) => s.setupIntents.peek(id),
    keys: siKeys,
    get: (auth, id, clientSecret) => getSI(s, auth, id, clientSecret),
    json: (si) => siJson(s, si),
  });
  routes.create((body, auth) => createSetupIntent(s, auth, createSISchema.parse(body ?? {})));
  routes.retrieve();
  routes.action('confirm', confirmSchema, (si, input, auth) =>
    confirmSI(s, si, confirmingPaymentMethod(s, auth, input, si)),
  );
  routes.action('cancel', cancelSchema, (si, input) => cancelSI(s, si, input.cancellation_reason), {
    secretOnly: true,
  });
}

export function cancelSI(s: StripeState, si: SetupIntent, reason: string | undefined): void {
  if (si.status === 'succeeded' || si.status === 'canceled') {
    throw unexpectedState('setup_intent', si.id, si.status, 'canceled', [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
    ]);
  }
  si.status = 'canceled';
  si.cancellation_reason = reason ?? null;
  si.next_action = null;
  siEvent(s, si, 'setup_intent.canceled');
}
