import { provisionSimAccount } from '../sim-accounts.ts';
import { createTransport } from '../transport.ts';
import { fromTyped, type TypedAdapter } from '../typed-adapter.ts';
import { type ProviderAdapter, ProviderUnavailableError } from '../types.ts';
import { NUVEI_LIMITS, toMajor, toMinor } from './amounts.ts';
import { nuveiApi, refusedBy } from './api.ts';
import {
  type NuveiCredentials,
  newNuveiCredentials,
  nuveiCredentialsSchema,
  nuveiSimSection,
} from './credentials.ts';
import { billingAddress, operationState, toStatus } from './transformers.ts';
import { verifyNuveiDmn } from './webhook.ts';

export { NUVEI_LIMITS } from './amounts.ts';

type C = NuveiCredentials;
type TypedNuvei = TypedAdapter<C>;

/**
 * The Nuvei adapter: speaks Nuvei's REST API (openOrder, payment, getPaymentStatus, settle,
 * void; SHA-256 checksums) to `${baseUrl}/nuvei/ppp/api/v1` and checks DMN callbacks.
 * `clock` stamps requests and session expiry (the sandbox passes the simulator's clock);
 * `timeoutMs` (10 s) bounds each HTTP call in real time; `sessionTtlMs` (20 min) only
 * estimates the token's expiry, which the provider decides.
 */
export function createNuveiAdapter(options: {
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
  sessionTtlMs?: number;
}): ProviderAdapter {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? { now: () => Date.now() };
  const sessionTtlMs = options.sessionTtlMs ?? 20 * 60_000;
  const transport = createTransport(options);
  const call = nuveiApi(transport, `${baseUrl}/nuvei/ppp/api/v1`, clock);

  const openOrder = async (c: C, fields: Record<string, unknown>) => {
    const answer = await call('openOrder', c, fields);
    if (answer.status !== 'SUCCESS' || !answer.sessionToken || !answer.orderId) {
      throw refusedBy('openOrder', answer);
    }
    return { sessionToken: answer.sessionToken, orderId: answer.orderId };
  };

  const retrieve: TypedNuvei['retrieve'] = async (c, session) => {
    const answer = await call('getPaymentStatus', c, { sessionToken: session.token });
    if (answer.status !== 'SUCCESS' && answer.errCode !== '1069') {
      throw refusedBy('getPaymentStatus', answer);
    }
    return toStatus(answer, answer.orderId ?? session.providerCode);
  };

  const related =
    (
      method: 'settleTransaction' | 'voidTransaction' | 'refundTransaction',
    ): TypedNuvei['capture'] =>
    async (c, request) => {
      const answer = await call(method, c, {
        clientRequestId: request.idempotencyKey,
        clientUniqueId: request.idempotencyKey,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        relatedTransactionId: request.providerCode,
        // The simulator does not check authCode (and has no call to read it back): sent empty.
        authCode: '',
        ...(method === 'settleTransaction'
          ? { descriptorMerchantName: '', descriptorMerchantPhone: '' }
          : {}),
        comment: '',
      });
      return toStatus(answer, null);
    };

  /** The transaction an earlier request created (its clientUniqueId), or null when there is none. */
  const detailsOf = async (c: C, clientUniqueId: string) => {
    const answer = await call('getTransactionDetails', c, { clientUniqueId });
    const details = answer.transactionDetails;
    if (answer.status !== 'SUCCESS' || !details) {
      // 1140: Nuvei has no transaction that this request created; anything else is no answer.
      if (answer.errCode === '1140') return null;
      throw new ProviderUnavailableError(
        `Nuvei getTransactionDetails.do could not say what happened to ${clientUniqueId}: errCode ${answer.errCode ?? '?'} ${answer.reason ?? ''}`,
        'error',
      );
    }
    return details;
  };

  const findOperation: TypedNuvei['findOperation'] = async (c, op) => {
    const details = await detailsOf(c, op.idempotencyKey);
    if (!details) return null;
    const type = op.action === 'SETTLE' ? 'Settle' : 'Void';
    if (details.transactionType !== type || details.relatedTransactionId !== op.providerCode) {
      return null;
    }
    const amount =
      details.amount !== undefined && details.currency !== undefined
        ? toMinor(details.amount, details.currency)
        : undefined;
    const raw = details.transactionStatus ?? 'UNKNOWN';
    return {
      state: operationState(raw),
      rawStatus: raw,
      providerCode: details.transactionId ?? null,
      ...(amount === undefined ? {} : { amount }),
    };
  };

  const adapter: TypedNuvei = {
    provider: 'NUVEI',
    label: 'Nuvei',
    limits: NUVEI_LIMITS,
    credentials: nuveiCredentialsSchema,
    newCredentials: newNuveiCredentials,
    findOperation,

    provisionAccount: (c, setup) =>
      provisionSimAccount(transport, baseUrl, {
        label: 'Nuvei',
        accountId: c.accountId,
        section: nuveiSimSection(c, setup),
        setup,
      }),

    async startSession(c, request) {
      const addMethod = request.type === 'add-payment-method';
      if (!addMethod && request.amount === null) {
        throw new Error(`A Nuvei ${request.type} session needs an amount`);
      }
      // Refuses a currency Nuvei cannot take, even for the zero-amount card verification.
      const major = toMajor(request.amount ?? 0n, request.currency);
      const storesOrUsesCard =
        addMethod || request.storePaymentMethod || request.storedPaymentMethod !== null;
      const userTokenId =
        request.storedPaymentMethod?.customerReference ??
        (storesOrUsesCard ? request.merchantInternalCustomerCode : null);
      const billing = billingAddress(request.billing);
      const { sessionToken, orderId } = await openOrder(c, {
        clientRequestId: `${request.sessionId}-openOrder`,
        clientUniqueId: request.merchantInternalTransactionCode,
        amount: addMethod ? '0' : major,
        currency: request.currency,
        transactionType: request.type === 'payment' ? 'Sale' : 'Auth',
        ...(userTokenId ? { userTokenId } : {}),
        ...(billing ? { billingAddress: billing } : {}),
      });
      const token = encodeURIComponent(sessionToken);
      return {
        token: sessionToken,
        providerCode: orderId,
        expiresAt: new Date(clock.now() + sessionTtlMs),
        payload: {
          provider: 'NUVEI',
          sessionToken,
          merchantId: c.merchantId,
          merchantSiteId: c.merchantSiteId,
          orderId,
          hostedFieldsUrl: `${baseUrl}/hosted/card?provider=nuvei&token=${token}`,
        },
      };
    },

    retrieve,

    // Nuvei has no cancel for an open order: its status is all there is.
    close: retrieve,

    async prepareCharge(c, request) {
      const { sessionToken, orderId } = await openOrder(c, {
        clientRequestId: `${request.idempotencyKey}-openOrder`,
        clientUniqueId: request.merchantInternalTransactionCode,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        transactionType: 'Sale',
        userTokenId: request.paymentMethod.customerReference ?? '',
      });
      return { providerCode: orderId, token: sessionToken };
    },

    async confirmCharge(c, request) {
      const answer = await call('payment', c, {
        clientRequestId: request.idempotencyKey,
        clientUniqueId: request.merchantInternalTransactionCode,
        sessionToken: request.token,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        userTokenId: request.paymentMethod.customerReference ?? '',
        paymentOption: { userPaymentOptionId: request.paymentMethod.reference },
      });
      return toStatus(answer, request.providerCode);
    },

    capture: related('settleTransaction'),
    void: related('voidTransaction'),
    // A refund is a Credit transaction related to the Sale (or the settled Auth).
    refund: related('refundTransaction'),
    async findRefund(c, req) {
      const details = await detailsOf(c, req.idempotencyKey);
      if (details?.transactionType !== 'Credit') return null;
      if (details.relatedTransactionId !== req.providerCode) return null;
      const raw = details.transactionStatus ?? 'UNKNOWN';
      return {
        state: operationState(raw),
        rawStatus: raw,
        providerCode: details.transactionId ?? null,
      };
    },

    verifyCallback: (c, rawBody, headers) => verifyNuveiDmn(c.secretKey, rawBody, headers),

    baseConfig: ({ merchantId, merchantSiteId }) => ({
      provider: 'NUVEI',
      merchantId,
      merchantSiteId,
      hostedFieldsUrl: `${baseUrl}/hosted/card`,
    }),
  };
  return fromTyped(adapter);
}
