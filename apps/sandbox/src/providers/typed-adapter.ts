import type { z } from 'zod';
import type { ProviderAdapter } from './types.ts';

/** The adapter methods that act for one merchant account, given its credentials first. */
type AccountMethod = Exclude<keyof ProviderAdapter, 'provider' | 'limits' | 'newCredentials'>;

/** Whether a method answers with a promise: its credential errors then reject, never throw. */
const ACCOUNT_METHODS = {
  provisionAccount: 'async',
  startSession: 'async',
  retrieve: 'async',
  close: 'async',
  prepareCharge: 'async',
  confirmCharge: 'async',
  capture: 'async',
  void: 'async',
  findOperation: 'async',
  refund: 'async',
  findRefund: 'async',
  verifyCallback: 'sync',
  baseConfig: 'sync',
} as const satisfies Record<AccountMethod, 'async' | 'sync'>;

type WithCredentials<F, C> = F extends (
  credentials: Record<string, unknown>,
  ...rest: infer R
) => infer T
  ? (credentials: C, ...rest: R) => T
  : never;

/**
 * An adapter written against its own credentials type: it declares the zod schema of its
 * credentials and every method receives them parsed; {@link fromTyped} turns it into the
 * {@link ProviderAdapter} the domain calls with the stored JSON.
 */
export type TypedAdapter<C> = Pick<ProviderAdapter, 'provider' | 'limits'> & {
  /** The credentials' schema, parsed once per credentials object. */
  credentials: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** The provider's name in messages ("Stripe"). */
  label: string;
  newCredentials(): C;
} & { [K in AccountMethod]: WithCredentials<ProviderAdapter[K], C> };

/** Parses stored credentials once per object; a bad one is an Error naming the field. */
export function credentialsParser<C>(
  label: string,
  schema: z.ZodType<C, z.ZodTypeDef, unknown>,
): (raw: Record<string, unknown>) => C {
  const parsed = new WeakMap<object, C>();
  return (raw) => {
    const known = parsed.get(raw);
    if (known !== undefined) return known;
    const result = schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(
        `${label} credentials are incomplete or malformed: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
      );
    }
    parsed.set(raw, result.data);
    return result.data;
  };
}

export function fromTyped<C extends Record<string, unknown>>(
  typed: TypedAdapter<C>,
): ProviderAdapter {
  const parse = credentialsParser(typed.label, typed.credentials);
  const adapter: Record<string, unknown> = {
    provider: typed.provider,
    limits: typed.limits,
    newCredentials: () => typed.newCredentials(),
  };
  for (const [name, kind] of Object.entries(ACCOUNT_METHODS)) {
    const method = typed[name as AccountMethod] as (c: C, ...rest: unknown[]) => unknown;
    adapter[name] =
      kind === 'sync'
        ? (raw: Record<string, unknown>, ...rest: unknown[]) =>
            method.call(typed, parse(raw), ...rest)
        : async (raw: Record<string, unknown>, ...rest: unknown[]) =>
            method.call(typed, parse(raw), ...rest);
  }
  return adapter as unknown as ProviderAdapter;
}
