import {
  type ChargePaymentMethod,
  chargePaymentMethodSchema,
  describeIssues,
  refundTransactionSchema,
  type SessionIdentifier,
  type StartAddPaymentMethodSession,
  type StartPaymentSession,
  sessionIdentifierSchema,
  settleAuthorizationSchema,
  startAddPaymentMethodSessionSchema,
  startPaymentSessionSchema,
  toFieldIssues,
} from '@accrupay/contracts';
import type { z } from 'zod';
import { RouterError } from '../../domain/errors.ts';

/**
 * GraphQL arguments -> the contract's inputs, which judge them with the REST API's rules and
 * messages. This file only translates names: AccruPay's API and document 003 spell some fields
 * differently from the contract (document 002), and GraphQL sends null where JSON omits.
 */

type Args = Record<string, unknown>;

/** GraphQL's explicit nulls, dropped: the contract's optional fields are absent, not null. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== null && child !== undefined)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}

/** Names the contract spells otherwise: [GraphQL name, contract name], per input object. */
const RENAMES = {
  billing: [
    ['billingAddress', 'billingAddressLine1'],
    ['billingCity', 'billingAddressCity'],
    ['billingState', 'billingAddressState'],
    ['billingZip', 'billingAddressPostalCode'],
  ],
  device: [
    ['deviceIp', 'deviceIpAddress'],
    ['deviceBrowser', 'deviceUserAgent'],
    ['deviceId', 'deviceFingerprint'],
  ],
  data: [['merchantCustomerPaymentMethodId', 'customerPaymentMethodId']],
} as const;

/** Fields AccruPay's API takes that the sandbox accepts and does not keep (see the README). */
const NOT_KEPT = {
  device: ['deviceOS', 'deviceName', 'deviceType'],
  user: [
    'userBirthDate',
    'userLegalIdentifier',
    'userLegalIdentifierType',
    'userAddressCountry',
    'userAddressLine1',
    'userAddressLine2',
    'userAddressCity',
    'userAddressState',
    'userAddressPostalCode',
  ],
} as const;

type Renamed = Array<{ from: string; to: string }>;

function rename(
  object: Args,
  pairs: readonly (readonly [string, string])[],
  at: string,
  renamed: Renamed,
): Args {
  const out: Args = { ...object };
  for (const [from, to] of pairs) {
    if (!(from in out)) continue;
    if (to in out && out[to] !== out[from]) {
      throw new RouterError(
        'VALIDATION_ERROR',
        `${at}.${from}: is ${to} spelled otherwise; send one of them`,
        {
          issues: [
            { path: `${at}.${from}`, message: `is ${to} spelled otherwise; send one of them` },
          ],
        },
      );
    }
    out[to] = out[from];
    delete out[from];
    renamed.push({ from: `${at}.${from}`, to: `${at}.${to}` });
  }
  return out;
}

function drop(object: Args, keys: readonly string[]): Args {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

/**
 * AccruPay's API takes a state as the subdivision part of ISO 3166-2 (NY); the contract takes the
 * whole code (US-NY). With the country given, the part becomes the code; anything else is left
 * for the contract to judge.
 */
function fullSubdivision(object: Args, stateKey: string, countryKey: string): Args {
  const state = object[stateKey];
  const country = object[countryKey];
  if (typeof state === 'string' && typeof country === 'string' && /^[A-Z0-9]{1,3}$/.test(state)) {
    return { ...object, [stateKey]: `${country}-${state}` };
  }
  return object;
}

function translateData(data: Args, renamed: Renamed): Args {
  let out = rename(data, RENAMES.data, 'data', renamed);
  if (out.billing && typeof out.billing === 'object') {
    const billing = rename(out.billing as Args, RENAMES.billing, 'data.billing', renamed);
    out = {
      ...out,
      billing: fullSubdivision(billing, 'billingAddressState', 'billingAddressCountry'),
    };
  }
  if (out.shipping && typeof out.shipping === 'object') {
    out = {
      ...out,
      shipping: fullSubdivision(
        out.shipping as Args,
        'shippingAddressState',
        'shippingAddressCountry',
      ),
    };
  }
  if (out.device && typeof out.device === 'object') {
    out = {
      ...out,
      device: drop(
        rename(out.device as Args, RENAMES.device, 'data.device', renamed),
        NOT_KEPT.device,
      ),
    };
  }
  if (out.user && typeof out.user === 'object') {
    out = { ...out, user: drop(out.user as Args, NOT_KEPT.user) };
  }
  return out;
}

/** Parses with a contract schema; a refusal names each field as the caller spelled it. */
function parseWith<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  input: unknown,
  renamed: Renamed = [],
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const spelled = (path: string) => {
    const hit = renamed.find(({ to }) => path === to || path.startsWith(`${to}.`));
    return hit ? hit.from + path.slice(hit.to.length) : path;
  };
  const issues = toFieldIssues(result.error).map((issue) => ({
    ...issue,
    path: spelled(issue.path),
  }));
  const message = issues.length
    ? issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('; ')
    : describeIssues(result.error);
  throw new RouterError('VALIDATION_ERROR', message, { issues });
}

/** The arguments of a payment or authorization start, as the contract's start body. */
export function chargeStart(args: Args): StartPaymentSession {
  const renamed: Renamed = [];
  const clean = withoutNulls(args) as Args;
  const body = { ...clean, data: translateData((clean.data ?? {}) as Args, renamed) };
  return parseWith(
    startPaymentSessionSchema as z.ZodType<StartPaymentSession, z.ZodTypeDef, unknown>,
    body,
    renamed,
  );
}

/** The arguments of an add-payment-method start, as the contract's start body. */
export function addPaymentMethodStart(args: Args): StartAddPaymentMethodSession {
  const renamed: Renamed = [];
  const clean = withoutNulls(args) as Args;
  const body = { ...clean, data: translateData((clean.data ?? {}) as Args, renamed) };
  return parseWith(
    startAddPaymentMethodSessionSchema as z.ZodType<
      StartAddPaymentMethodSession,
      z.ZodTypeDef,
      unknown
    >,
    body,
    renamed,
  );
}

/** The arguments of a stored-method charge; `transactionProvider` is checked by the caller. */
export function storedMethodCharge(args: Args): ChargePaymentMethod {
  const renamed: Renamed = [];
  const { transactionProvider: _provider, ...clean } = withoutNulls(args) as Args;
  const data = drop(translateData((clean.data ?? {}) as Args, renamed), ['user']);
  return parseWith(
    chargePaymentMethodSchema as z.ZodType<ChargePaymentMethod, z.ZodTypeDef, unknown>,
    { ...clean, data },
    renamed,
  );
}

/** A session named by one of the four identifiers (`code` is the published API's name for the id). */
export function sessionIdentifier(args: Args): SessionIdentifier {
  const renamed: Renamed = [];
  const clean = rename(withoutNulls(args) as Args, [['code', 'id']], '', renamed);
  return parseWith(
    sessionIdentifierSchema as z.ZodType<SessionIdentifier, z.ZodTypeDef, unknown>,
    clean,
    renamed.map(({ from, to }) => ({ from: from.slice(1), to: to.slice(1) })),
  );
}

/** The args with GraphQL's nulls dropped. */
export function present<T extends Args>(args: T): Partial<T> {
  return withoutNulls(args) as Partial<T>;
}

/** The amount of a settle or a refund, checked by the REST body's schema; omitted: what remains. */
export function amountOf(
  operation: 'settle' | 'refund',
  amount: string | undefined,
): bigint | undefined {
  const schema = operation === 'settle' ? settleAuthorizationSchema : refundTransactionSchema;
  return parseWith(
    schema as z.ZodType<{ amount?: bigint }, z.ZodTypeDef, unknown>,
    amount === undefined ? {} : { amount },
  ).amount;
}
