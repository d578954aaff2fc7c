import { z } from 'zod';

/** The canonical wire form of an amount: a decimal string of minor units, no sign, no leading zeros. */
export const CANONICAL_AMOUNT = /^(0|[1-9][0-9]*)$/;

/** The largest amount the contract accepts: the largest signed 64-bit integer. */
export const MAX_AMOUNT = 9_223_372_036_854_775_807n;

/** What an amount may be on input: a bigint (in the SDKs), a canonical decimal string, or a safe integer. */
export type AmountInput = bigint | string | number;

function describe(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
}

/** Parses an amount input to a bigint, or returns the reason it is refused. */
export function parseAmount(
  value: unknown,
): { ok: true; value: bigint } | { ok: false; reason: string } {
  let amount: bigint;
  if (typeof value === 'bigint') {
    amount = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      return {
        ok: false,
        reason: `must be a whole number of minor units (10000 is $100.00) no larger than ${Number.MAX_SAFE_INTEGER} as a JSON number; send larger amounts as a decimal string; got ${describe(value)}`,
      };
    }
    amount = BigInt(value);
  } else if (typeof value === 'string') {
    if (!CANONICAL_AMOUNT.test(value)) {
      return {
        ok: false,
        reason: `must be a decimal string of minor units such as "10000" (digits only: no sign, decimals, exponent, hex or leading zeros); got ${describe(value)}`,
      };
    }
    amount = BigInt(value);
  } else if (value === undefined) {
    return {
      ok: false,
      reason: 'is required: an amount in minor units such as "10000" (100.00 USD)',
    };
  } else {
    return {
      ok: false,
      reason: `must be an amount in minor units: a bigint (10000n), a decimal string ("10000") or a safe integer; got ${value === null ? 'null' : typeof value}`,
    };
  }
  if (amount < 0n) return { ok: false, reason: `must not be negative; got ${describe(value)}` };
  if (amount > MAX_AMOUNT) {
    return { ok: false, reason: `must be at most ${MAX_AMOUNT}; got ${describe(value)}` };
  }
  return { ok: true, value: amount };
}

/** Encodes an amount for the wire: its canonical decimal string. */
export function encodeAmount(amount: bigint): string {
  const parsed = parseAmount(amount);
  if (!parsed.ok) throw new RangeError(`amount ${parsed.reason}`);
  return parsed.value.toString();
}

/** A zod schema from an amount input to a bigint of minor units, never below `min`. */
export function amountSchema(
  options: { min?: bigint } = {},
): z.ZodType<bigint, z.ZodTypeDef, AmountInput> {
  const min = options.min ?? 0n;
  const schema = z
    .custom<AmountInput>(() => true)
    .transform((value, ctx) => {
      const parsed = parseAmount(value);
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.reason });
        return z.NEVER;
      }
      if (parsed.value < min) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be at least ${min} minor units; got ${describe(value)}`,
        });
        return z.NEVER;
      }
      return parsed.value;
    });
  // Read by @ts-rest/open-api: on the wire an amount is a canonical decimal string, and not null
  // (the generator would call it nullable because the custom schema underneath accepts anything).
  Object.assign(schema, {
    metaOpenApi: {
      type: 'string',
      nullable: false,
      pattern: CANONICAL_AMOUNT.source,
      example: '10000',
      description:
        'Amount in minor units as a canonical decimal string ("10000" is 100.00 USD); a safe JSON integer is accepted on input.',
    },
  });
  return schema;
}

/** Any amount of minor units, zero included: for responses. */
export const amount = amountSchema();
/** An amount that must be greater than zero: for charges, authorizations and settlements. */
export const positiveAmount = amountSchema({ min: 1n });
