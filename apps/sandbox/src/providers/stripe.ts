import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type ClientTransactionSessionType,
  PAYMENT_METHOD_BRAND,
  type PaymentMethodBrand,
} from '@accrupay/contracts';
import { z } from 'zod';
import {
  type ProviderAdapter,
  type ProviderLimits,
  type ProviderState,
  type ProviderStatus,
  type ProviderSubject,
  ProviderUnavailableError,
} from './types.ts';

const DAY_MS = 86_400_000;

const credentialsSchema = z.object({
  accountId: z.string().min(1),
  secretKey: z.string().startsWith('sk_'),
  publishableKey: z.string().startsWith('pk_'),
  webhookSecret: z.string().startsWith('whsec_'),
});
type Credentials = z.infer<typeof credentialsSchema>;

const stripeErrorSchema = z.object({
  type: z.string(),
  code: z.string().optional(),
  decline_code: z.string().optional(),
  message: z.string().optional(),
});
type StripeError = z.infer<typeof stripeErrorSchema>;

const intentSchema = z.object({
  id: z.string(),
  object: z.enum(['payment_intent', 'setup_intent']),
  status: z.string(),
  client_secret: z.string(),
  payment_method: z.string().nullish(),
  cancellation_reason: z.string().nullish(),
  last_payment_error: stripeErrorSchema.partial().nullish(),
  last_setup_error: stripeErrorSchema.partial().nullish(),
  amount: z.number().nullish(),
  amount_received: z.number().nullish(),
  currency: z.string().nullish(),
  metadata: z.record(z.string()).nullish(),
});
type Intent = z.infer<typeof intentSchema>;

const errorBodySchema = z.object({
  error: stripeErrorSchema.extend({
    payment_intent: z.object({ id: z.string() }).nullish(),
  }),
});

const customerSchema = z.object({ id: z.string() });

const paymentMethodSchema = z.object({
  id: z.string(),
  customer: z.string().nullish(),
  card: z.object({
    brand: z.string(),
    last4: z.string(),
    exp_month: z.number(),
    exp_year: z.number(),
  }),
  billing_details: z
    .object({ address: z.object({ country: z.string().nullish() }).nullish() })
    .nullish(),
});

const BRANDS: Record<string, PaymentMethodBrand> = {
  visa: PAYMENT_METHOD_BRAND.VISA,
  mastercard: PAYMENT_METHOD_BRAND.MASTERCARD,
  amex: PAYMENT_METHOD_BRAND.AMEX,
  discover: PAYMENT_METHOD_BRAND.DISCOVER,
  diners: PAYMENT_METHOD_BRAND.DINERS,
  jcb: PAYMENT_METHOD_BRAND.JCB,
  unionpay: PAYMENT_METHOD_BRAND.UNIONPAY,
};

const AUTHENTICATION_FAILURES = new Set([
  'payment_intent_authentication_failure',
  'setup_intent_authentication_failure',
  'authentication_required',
]);

type FormValue = string | number | boolean | bigint | Record<string, string> | undefined | null;
type Answer<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; error: StripeError; intentId: string | null };

// Form-encodes parameters the way Stripe's clients do (`metadata[key]=value`).
function form(params: Record<string, FormValue>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) out.append(`${key}[${k}]`, v);
    } else out.append(key, String(value));
  }
  return out.toString();
}

function token(bytes = 18): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

function errorState(error: StripeError | Partial<StripeError>): ProviderState {
  if (error.code && AUTHENTICATION_FAILURES.has(error.code)) return 'failed';
  if (error.decline_code && AUTHENTICATION_FAILURES.has(error.decline_code)) return 'failed';
  if (error.code === 'processing_error') return 'error';
  return 'declined';
}

function subjectOf(intent: Intent): ProviderSubject {
  return {
    amount:
      intent.object === 'setup_intent'
        ? null
        : typeof intent.amount === 'number'
          ? BigInt(intent.amount)
          : undefined,
    currency: intent.currency ? intent.currency.toUpperCase() : undefined,
    sessionId: intent.metadata?.accrupay_session_id,
    merchantInternalTransactionCode: intent.metadata?.merchant_reference,
  };
}

// The one status mapper: a PaymentIntent or SetupIntent in the router's words.
function toStatus(intent: Intent, type: ClientTransactionSessionType): ProviderStatus {
  const base = { rawStatus: intent.status, providerCode: intent.id, subject: subjectOf(intent) };
  const lastError = intent.last_payment_error ?? intent.last_setup_error ?? null;
  const failure = (): ProviderStatus => ({
    ...base,
    state: errorState(lastError ?? {}),
    errorCode: lastError?.decline_code ?? lastError?.code,
    errorMessage: lastError?.message,
  });
  switch (intent.status) {
    case 'requires_payment_method':
      return lastError ? failure() : { ...base, state: 'awaiting_customer' };
    case 'requires_confirmation':
      return { ...base, state: 'awaiting_customer' };
    case 'requires_action':
    case 'processing':
      return { ...base, state: 'processing' };
    case 'requires_capture':
      return { ...base, state: type === 'authorization' ? 'succeeded' : 'unknown' };
    case 'succeeded':
      return { ...base, state: 'succeeded' };
    case 'canceled': {
      const reason = intent.cancellation_reason;
      if (intent.object === 'payment_intent') {
        if (reason === 'abandoned') return { ...base, state: 'expired' };
        if (reason === 'automatic' && type === 'authorization')
          return { ...base, state: 'expired' };
      }
      // Closed by the router after a decline: the decline is what happened to the payment.
      return lastError ? failure() : { ...base, state: 'canceled' };
    }
    default:
      return { ...base, state: 'unknown' };
  }
}

/**
 * The Stripe adapter: speaks Stripe's HTTP API (form-encoded, `Authorization: Bearer sk_...`,
 * `Idempotency-Key`) at `${baseUrl}/stripe/v1` and maps PaymentIntents and SetupIntents to the
 * router's {@link ProviderStatus}. Throws {@link ProviderUnavailableError} when Stripe does not
 * answer usefully (connection error, timeout, 5xx, an unparseable answer).
 */
/** Stripe's documented limit: at most 99,999,999 minor units (\$999,999.99) in one payment. */
export const STRIPE_LIMITS: ProviderLimits = {
  maxAmountMinor: 99_999_999n,
  refusesCurrency: () => undefined,
};

export function createStripeAdapter(options: {
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
  webhookToleranceSeconds?: number;
}): ProviderAdapter {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const api = `${baseUrl}/stripe/v1`;
  const clock = options.clock ?? { now: () => Date.now() };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tolerance = options.webhookToleranceSeconds ?? 300;

  const creds = (raw: Record<string, unknown>): Credentials => {
    const parsed = credentialsSchema.safeParse(raw);
    if (!parsed.success) throw new Error('Stripe credentials are incomplete or malformed');
    return parsed.data;
  };

  // The one request helper: every network, timeout, 5xx and parse failure becomes ProviderUnavailableError.
  async function request<T>(
    c: Credentials,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    params?: Record<string, FormValue>,
    idempotencyKey?: string,
  ): Promise<Answer<T>> {
    const what = `Stripe ${method} ${path}`;
    let status: number;
    let body: unknown;
    try {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${c.secretKey}`,
          ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        ...(params ? { body: form(params) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      const text = await res.text();
      if (status >= 500) {
        throw new ProviderUnavailableError(`${what} answered HTTP ${status}`, 'error');
      }
      body = JSON.parse(text);
    } catch (error) {
      if (error instanceof ProviderUnavailableError) throw error;
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderUnavailableError(`${what} timed out after ${timeoutMs} ms`, 'timeout', {
          cause: error,
        });
      }
      const reason = error instanceof SyntaxError ? 'an answer that is not JSON' : 'no answer';
      throw new ProviderUnavailableError(`${what} gave ${reason}`, 'error', { cause: error });
    }
    if (status < 300) {
      const parsed = schema.safeParse(body);
      if (parsed.success) return { ok: true, value: parsed.data };
    } else {
      const parsed = errorBodySchema.safeParse(body);
      if (parsed.success) {
        const { payment_intent, ...error } = parsed.data.error;
        return { ok: false, status, error, intentId: payment_intent?.id ?? null };
      }
    }
    throw new ProviderUnavailableError(
      `${what} gave an answer that cannot be read (HTTP ${status})`,
      'error',
    );
  }

  const expectOk = <T>(answer: Answer<T>, doing: string): T => {
    if (answer.ok) return answer.value;
    throw new Error(
      `Stripe refused to ${doing} (HTTP ${answer.status} ${answer.error.code ?? answer.error.type}): ${answer.error.message ?? 'no message'}`,
    );
  };

  const intentPath = (type: ClientTransactionSessionType, id: string) =>
    `/${type === 'add-payment-method' ? 'setup_intents' : 'payment_intents'}/${encodeURIComponent(id)}`;

  // Retrieves an intent and, when it succeeded, the card it used.
  async function retrieveStatus(
    c: Credentials,
    type: ClientTransactionSessionType,
    id: string,
  ): Promise<ProviderStatus> {
    const intent = expectOk(
      await request(c, 'GET', intentPath(type, id), intentSchema),
      `retrieve ${id}`,
    );
    const status = toStatus(intent, type);
    if (status.state !== 'succeeded' || !intent.payment_method) return status;
    const pm = expectOk(
      await request(
        c,
        'GET',
        `/payment_methods/${encodeURIComponent(intent.payment_method)}`,
        paymentMethodSchema,
      ),
      `retrieve payment method ${intent.payment_method}`,
    );
    return {
      ...status,
      paymentMethod: {
        reference: pm.id,
        customerReference: pm.customer ?? null,
        brand: BRANDS[pm.card.brand] ?? PAYMENT_METHOD_BRAND.UNKNOWN,
        last4: pm.card.last4,
        expiryMonth: pm.card.exp_month,
        expiryYear: pm.card.exp_year,
        billingCountry: pm.billing_details?.address?.country ?? null,
      },
    };
  }

  // A refused capture or cancel: a canceled intent says so, anything else is an error.
  async function refused(
    c: Credentials,
    id: string,
    answer: Extract<Answer<unknown>, { ok: false }>,
  ): Promise<ProviderStatus> {
    const current = await retrieveStatus(c, 'authorization', id);
    if (current.rawStatus === 'canceled') return current;
    return {
      state: 'error',
      rawStatus: current.rawStatus,
      providerCode: id,
      errorCode: answer.error.code ?? answer.error.type,
      errorMessage: answer.error.message,
    };
  }

  return {
    provider: 'STRIPE',
    limits: STRIPE_LIMITS,

    newCredentials() {
      return {
        accountId: `acct_${token()}`,
        secretKey: `sk_test_${token(24)}`,
        publishableKey: `pk_test_${token(24)}`,
        webhookSecret: `whsec_${token(24)}`,
      };
    },

    async provisionAccount(raw, setup) {
      const c = creds(raw);
      const url = `${baseUrl}/__sim/accounts/${encodeURIComponent(c.accountId)}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            stripe: {
              secretKey: c.secretKey,
              publishableKey: c.publishableKey,
              webhookSecret: c.webhookSecret,
              webhookUrl: setup.callbackUrl,
            },
            allowedOrigins: setup.allowedOrigins,
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timeout = (error as { name?: string }).name === 'TimeoutError';
        throw new ProviderUnavailableError(
          `Cannot reach the Stripe simulator at ${url}`,
          timeout ? 'timeout' : 'error',
          { cause: error },
        );
      }
      const text = await res.text().catch(() => '');
      if (res.status >= 500) {
        throw new ProviderUnavailableError(`${url} answered HTTP ${res.status}`, 'error');
      }
      if (!res.ok)
        throw new Error(`${url} refused the Stripe account (HTTP ${res.status}): ${text}`);
    },

    async startSession(raw, req) {
      const c = creds(raw);
      const metadata = {
        merchant_reference: req.merchantInternalTransactionCode,
        accrupay_session_id: req.sessionId,
      };
      const stores = req.type === 'add-payment-method' || req.storePaymentMethod;
      let customer = req.storedPaymentMethod?.customerReference ?? undefined;
      if (req.storedPaymentMethod && !customer) {
        throw new Error(
          `Stored payment method ${req.storedPaymentMethod.reference} has no Stripe customer`,
        );
      }
      if (!customer && stores) {
        const billing = req.billing;
        const created = await request(
          c,
          'POST',
          '/customers',
          customerSchema,
          {
            name: billing ? `${billing.billingFirstName} ${billing.billingLastName}` : undefined,
            email: billing?.billingEmail,
            metadata: {
              accrupay_session_id: req.sessionId,
              ...(req.merchantInternalCustomerCode
                ? { merchant_customer_code: req.merchantInternalCustomerCode }
                : {}),
            },
          },
          `${req.sessionId}:customer`,
        );
        customer = expectOk(created, 'create the customer').id;
      }
      const startedAt = clock.now();
      if (req.type === 'add-payment-method') {
        const si = expectOk(
          await request(
            c,
            'POST',
            '/setup_intents',
            intentSchema,
            { customer, usage: 'off_session', metadata },
            req.sessionId,
          ),
          'create the SetupIntent',
        );
        return started(si, null);
      }
      if (req.amount === null) throw new Error(`A ${req.type} session needs an amount`);
      const pi = expectOk(
        await request(
          c,
          'POST',
          '/payment_intents',
          intentSchema,
          {
            amount: req.amount,
            currency: req.currency.toLowerCase(),
            capture_method: req.type === 'authorization' ? 'manual' : 'automatic',
            customer,
            payment_method: req.storedPaymentMethod?.reference,
            setup_future_usage: req.storePaymentMethod ? 'off_session' : undefined,
            metadata,
          },
          req.sessionId,
        ),
        'create the PaymentIntent',
      );
      return started(pi, new Date(startedAt + DAY_MS));

      function started(intent: Intent, expiresAt: Date | null) {
        return {
          token: intent.client_secret,
          providerCode: intent.id,
          expiresAt,
          payload: {
            provider: 'STRIPE',
            clientSecret: intent.client_secret,
            publishableKey: c.publishableKey,
            intentId: intent.id,
            intentType: intent.object,
            hostedFieldsUrl: `${baseUrl}/hosted/card?provider=stripe&token=${encodeURIComponent(intent.client_secret)}`,
          },
        };
      }
    },

    async retrieve(raw, session) {
      return retrieveStatus(creds(raw), session.type, session.providerCode);
    },

    async close(raw, session) {
      const c = creds(raw);
      const answer = await request(
        c,
        'POST',
        `${intentPath(session.type, session.providerCode)}/cancel`,
        intentSchema,
        {},
      );
      if (!answer.ok) return retrieveStatus(c, session.type, session.providerCode);
      return toStatus(answer.value, session.type);
    },

    async prepareCharge(raw, req) {
      const c = creds(raw);
      const answer = await request(
        c,
        'POST',
        '/payment_intents',
        intentSchema,
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          customer: req.paymentMethod.customerReference ?? undefined,
          payment_method: req.paymentMethod.reference,
          metadata: {
            merchant_reference: req.merchantInternalTransactionCode,
            accrupay_session_id: req.sessionId,
          },
        },
        req.idempotencyKey,
      );
      const intent = expectOk(answer, 'prepare the stored payment method charge');
      return { providerCode: intent.id, token: intent.client_secret };
    },

    async confirmCharge(raw, req) {
      const c = creds(raw);
      const answer = await request(
        c,
        'POST',
        `/payment_intents/${encodeURIComponent(req.providerCode)}/confirm`,
        intentSchema,
        { payment_method: req.paymentMethod.reference, off_session: true },
        `${req.idempotencyKey}:confirm`,
      );
      if (answer.ok) return toStatus(answer.value, 'payment');
      const outcome =
        answer.status === 402 ||
        (answer.status === 400 && answer.error.type === 'invalid_request_error');
      if (!outcome) expectOk(answer, 'charge the stored payment method');
      const { error } = answer;
      return {
        state: error.type === 'card_error' ? errorState(error) : 'error',
        rawStatus: error.type,
        providerCode: answer.intentId ?? req.providerCode,
        errorCode: error.decline_code ?? error.code,
        errorMessage: error.message,
      };
    },

    async capture(raw, req) {
      const c = creds(raw);
      const answer = await request(
        c,
        'POST',
        `/payment_intents/${encodeURIComponent(req.providerCode)}/capture`,
        intentSchema,
        { amount_to_capture: req.amount },
        req.idempotencyKey,
      );
      if (!answer.ok) return refused(c, req.providerCode, answer);
      return { state: 'succeeded', rawStatus: answer.value.status, providerCode: answer.value.id };
    },

    async void(raw, req) {
      const c = creds(raw);
      const answer = await request(
        c,
        'POST',
        `/payment_intents/${encodeURIComponent(req.providerCode)}/cancel`,
        intentSchema,
        {},
        req.idempotencyKey,
      );
      if (!answer.ok) return refused(c, req.providerCode, answer);
      const voided = answer.value.status === 'canceled';
      return {
        state: voided ? 'succeeded' : 'error',
        rawStatus: answer.value.status,
        providerCode: answer.value.id,
        ...(voided ? {} : { errorMessage: `cancel left the PaymentIntent ${answer.value.status}` }),
      };
    },

    async findOperation(raw, op) {
      const c = creds(raw);
      const answer = await request(
        c,
        'GET',
        `/payment_intents/${encodeURIComponent(op.providerCode)}`,
        intentSchema,
      );
      if (!answer.ok) {
        throw new ProviderUnavailableError(
          `Stripe could not say what happened to ${op.providerCode}: ${answer.error.message ?? answer.error.type}`,
          'error',
        );
      }
      const intent = answer.value;
      const base = { rawStatus: intent.status, providerCode: intent.id };
      if (op.action === 'SETTLE' && intent.status === 'succeeded') {
        return {
          ...base,
          state: 'succeeded',
          amount: BigInt(intent.amount_received ?? Number(op.amount)),
        };
      }
      if (op.action === 'VOID' && intent.status === 'canceled')
        return { ...base, state: 'succeeded' };
      return null;
    },

    verifyCallback(raw, rawBody, headers) {
      const c = creds(raw);
      const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === 'stripe-signature');
      const header = Array.isArray(entry?.[1]) ? entry[1][0] : entry?.[1];
      if (!header) return { ok: false, reason: 'missing Stripe-Signature header' };
      let t: number | undefined;
      const signatures: string[] = [];
      for (const part of header.split(',')) {
        const [key, value] = part.trim().split('=', 2);
        if (key === 't' && value && /^\d+$/.test(value)) t = Number(value);
        else if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value);
      }
      if (t === undefined || signatures.length === 0) {
        return {
          ok: false,
          reason: 'malformed Stripe-Signature header (needs t=<seconds>,v1=<hex>)',
        };
      }
      const expected = createHmac('sha256', c.webhookSecret)
        .update(`${t}.`)
        .update(rawBody)
        .digest();
      if (!signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) {
        return {
          ok: false,
          reason: 'Stripe-Signature does not match the body (signature mismatch)',
        };
      }
      if (Math.abs(clock.now() / 1000 - t) > tolerance) {
        return {
          ok: false,
          reason: `Stripe-Signature timestamp outside the ${tolerance} s tolerance`,
        };
      }
      const event = z
        .object({
          type: z.string().nullish(),
          data: z
            .object({ object: z.object({ id: z.string().nullish() }).passthrough() })
            .nullish(),
        })
        .safeParse(safeJson(rawBody));
      if (!event.success) return { ok: false, reason: 'signed body is not a Stripe event' };
      return {
        ok: true,
        hint: {
          providerCode: event.data.data?.object.id ?? null,
          token: null,
          eventType: event.data.type ?? null,
        },
      };
    },

    baseConfig(raw) {
      const c = creds(raw);
      return {
        provider: 'STRIPE',
        publishableKey: c.publishableKey,
        hostedFieldsUrl: `${baseUrl}/hosted/card`,
      };
    },
  };
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
