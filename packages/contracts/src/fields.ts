import { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A UTF-16 surrogate not part of a pair (`"\ud800"` in JSON): not a character at all. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A trimmed, bounded, single-line string of well-formed Unicode; the messages name the limits.
 * Every free-text field of every input schema is one.
 */
export function text(max: number, options: { min?: number } = {}) {
  const min = options.min ?? 1;
  return z
    .string({
      errorMap: (issue, ctx) => ({
        message:
          issue.code === 'invalid_type'
            ? `must be a string; got ${ctx.data === undefined ? 'nothing (it is required)' : typeof ctx.data}`
            : ctx.defaultError,
      }),
    })
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .refine((value) => value.trim() === value, 'must not start or end with whitespace')
    .refine((value) => !CONTROL.test(value), 'must not contain control characters or line breaks')
    .refine(
      (value) => !LONE_SURROGATE.test(value),
      'must be well-formed Unicode: it holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which a database would silently replace; send the whole character or remove it',
    );
}

/** A reference chosen by the merchant (order code, customer code): 1 to 128 printable characters. */
export const merchantCode = text(128);

/** A UUID. */
export const uuid = z.string().uuid('must be a UUID such as 0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f');

/** An ISO 8601 timestamp with its offset, as the API sends them. */
export const isoDateTime = z.string().datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z',
});

/** E.164 phone number such as +12125550100. */
export const e164Phone = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number such as +12125550100');

/** An email address, at most 254 characters. */
export const email = z
  .string()
  .max(254, 'must be at most 254 characters')
  .email('must be an email address such as jane@example.com');

/**
 * A strict object: unknown keys are refused with a message that names them, and, where the
 * key is a known mistake, says what to send instead.
 */
export function strictObject<T extends z.ZodRawShape>(
  shape: T,
  hints: Record<string, string> = {},
) {
  return z
    .object(shape, {
      errorMap: (issue, ctx) => {
        if (issue.code === 'unrecognized_keys') {
          const parts = issue.keys.map((key) =>
            Object.hasOwn(hints, key) ? `'${key}': ${hints[key]}` : `'${key}' is not a field here`,
          );
          return {
            message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${parts.join('; ')}`,
          };
        }
        if (issue.code === 'invalid_type' && issue.expected === 'object') {
          return {
            message: `must be an object; got ${ctx.data === undefined ? 'nothing (it is required)' : ctx.data === null ? 'null' : Array.isArray(ctx.data) ? 'an array' : typeof ctx.data}`,
          };
        }
        return { message: ctx.defaultError };
      },
    })
    .strict();
}

/** One validation problem, with the dotted path of the field it is about. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `data.billing.billingEmail`; empty for the whole input. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** Turns a zod error into field issues, each naming the field by its dotted path. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** One line that names every refused field: `data.currency: must be ...; data.amount: ...`. */
export function describeIssues(error: z.ZodError): string {
  return toFieldIssues(error)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ');
}
