import type { CardInput, HostedResult, HostedSession } from '../hosted-types.ts';
import { StripeApiError, type StripeErrorBody } from './errors.ts';
import { authorizePI, confirmPI, expireIfDue, failPI } from './payment-intents.ts';
import { createPaymentMethod } from './payment-methods.ts';
import { confirmSI, failSI, succeedSI } from './setup-intents.ts';
import { piKeys, type StripeState, siKeys } from './state.ts';

export function hostedSession(s: StripeState, token: string): HostedSession | undefined {
  const ref = s.bySecret.get(token);
  if (!ref) return undefined;
  if (ref.kind === 'pi') {
    const pi = s.intents.get(ref.id);
    if (!pi) return undefined;
    expireIfDue(s, pi);
    return {
      provider: 'stripe',
      token,
      accountId: pi.accountId,
      kind: 'payment',
      amount: pi.amount,
      currency: pi.currency,
      open: ['requires_payment_method', 'requires_confirmation'].includes(pi.status),
      awaitingChallenge: pi.status === 'requires_action',
      expired: pi.status === 'canceled' && pi.cancellation_reason === 'abandoned',
      keys: piKeys(pi),
    };
  }
  const si = s.setupIntents.get(ref.id);
  if (!si) return undefined;
  return {
    provider: 'stripe',
    token,
    accountId: si.accountId,
    kind: 'setup',
    amount: undefined,
    currency: undefined,
    open: ['requires_payment_method', 'requires_confirmation'].includes(si.status),
    awaitingChallenge: si.status === 'requires_action',
    expired: false,
    keys: siKeys(si),
  };
}

export function hostedResult(s: StripeState, token: string, error?: StripeApiError): HostedResult {
  const ref = s.bySecret.get(token);
  const obj = ref?.kind === 'pi' ? s.intents.get(ref.id) : s.setupIntents.get(ref?.id ?? '');
  if (!obj) throw new Error('unknown session');
  const status = obj.status;
  const reported =
    s.core.unmappableStatus(
      'stripe',
      obj.object === 'payment_intent' ? piKeys(obj) : siKeys(obj),
    ) ?? status;
  const err = error
    ? { code: String(error.body.decline_code ?? error.body.code), message: error.body.message }
    : undefined;
  let result: HostedResult['status'];
  if (status === 'succeeded' || status === 'requires_capture') result = 'approved';
  else if (status === 'requires_action') result = 'requires_action';
  else if (status === 'canceled') result = 'expired';
  else if (err?.code === 'processing_error') result = 'error';
  else result = 'declined';
  return { status: result, providerStatus: reported, providerRef: obj.id, error: err };
}

export function submitCard(s: StripeState, token: string, card: CardInput): HostedResult {
  const ref = s.bySecret.get(token);
  if (!ref) throw new Error('unknown session');
  try {
    const accountId =
      (ref.kind === 'pi' ? s.intents.get(ref.id) : s.setupIntents.get(ref.id))?.accountId ?? '';
    const pm = createPaymentMethod(
      s,
      accountId,
      { number: card.number, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvc },
      { name: card.name },
    );
    if (ref.kind === 'pi') {
      const pi = s.intents.get(ref.id);
      if (pi) confirmPI(s, pi, pm, false);
    } else {
      const si = s.setupIntents.get(ref.id);
      if (si) confirmSI(s, si, pm);
    }
    return hostedResult(s, token);
  } catch (err) {
    if (err instanceof StripeApiError) {
      if (err.body.code === 'incorrect_number' || err.body.code === 'invalid_expiry_year') {
        return {
          status: 'declined',
          providerStatus: 'requires_payment_method',
          providerRef: ref.id,
          error: { code: String(err.body.code), message: err.body.message },
        };
      }
      if (err.body.code === 'payment_intent_unexpected_state') {
        return {
          ...hostedResult(s, token),
          error: { code: String(err.body.code), message: err.body.message },
        };
      }
      return hostedResult(s, token, err);
    }
    throw err;
  }
}

export function decideChallenge(s: StripeState, token: string, approve: boolean): HostedResult {
  const ref = s.bySecret.get(token);
  if (!ref) throw new Error('unknown session');
  const obj = ref.kind === 'pi' ? s.intents.get(ref.id) : s.setupIntents.get(ref.id);
  if (obj?.status !== 'requires_action') return hostedResult(s, token);
  const pm = s.paymentMethods.get(obj.payment_method ?? '');
  if (!pm) return hostedResult(s, token);
  const failure: StripeErrorBody = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    message:
      'The provided PaymentMethod has failed authentication. Provide a new PaymentMethod to attempt this payment again.',
  };
  try {
    if (obj.object === 'payment_intent') {
      if (approve) authorizePI(s, obj, pm);
      else failPI(s, obj, pm, failure);
    } else if (approve) succeedSI(s, obj, pm);
    else failSI(s, obj, { ...failure, code: 'setup_intent_authentication_failure' });
    return hostedResult(s, token);
  } catch (err) {
    if (err instanceof StripeApiError) return hostedResult(s, token, err);
    throw err;
  }
}
