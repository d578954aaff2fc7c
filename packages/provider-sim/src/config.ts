import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const originSchema = z
  .string()
  .url()
  .refine((v) => new URL(v).origin === v, {
    message: 'must be an exact origin like https://shop.example (scheme, host, port; no path)',
  });

const rate = z.number().min(0).max(1);

/** The shape of one merchant account with its provider credentials and callback URLs. */
export const merchantAccountSchema = z.object({
  id: z.string().min(1),
  stripe: z
    .object({
      secretKey: z.string().startsWith('sk_'),
      publishableKey: z.string().startsWith('pk_'),
      webhookSecret: z.string().startsWith('whsec_'),
      webhookUrl: z.string().url().optional(),
      /**
       * The event types the webhook endpoint takes, as Stripe's `enabled_events`: `['*']` (the
       * default) for every event, otherwise only these are sent.
       */
      enabledEvents: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
    })
    .strict()
    .optional(),
  nuvei: z
    .object({
      merchantId: z.string().min(1),
      merchantSiteId: z.string().min(1),
      secretKey: z.string().min(1),
      notificationUrl: z.string().url().optional(),
    })
    .strict()
    .optional(),
  accrue: z
    .object({
      apiKey: z.string().startsWith('ak_test_'),
      webhookSecret: z.string().startsWith('whsec_'),
      /** The merchant's public id the hosted Accrue Pay page is opened with (`merchantPublicId`). */
      publishableKey: z.string().startsWith('pk_'),
      webhookUrl: z.string().url().optional(),
    })
    .strict()
    .optional(),
  allowedOrigins: z.array(originSchema).default([]),
});

export type MerchantAccount = z.infer<typeof merchantAccountSchema>;
export type MerchantAccountInput = z.input<typeof merchantAccountSchema>;

/** The account every simulator has unless configured otherwise; its keys are published in the README. */
export const DEFAULT_ACCOUNT: MerchantAccount = {
  id: 'acct_default',
  stripe: {
    secretKey: 'sk_test_sim_default',
    publishableKey: 'pk_test_sim_default',
    webhookSecret: 'whsec_sim_default',
  },
  nuvei: {
    merchantId: '4242000000000001',
    merchantSiteId: '100001',
    secretKey: 'nuvei_sim_default_secret',
  },
  accrue: {
    apiKey: 'ak_test_sim_default',
    webhookSecret: 'whsec_sim_accrue_default',
    publishableKey: 'pk_test_sim_default',
  },
  allowedOrigins: ['http://localhost:3000', 'http://localhost:5173'],
};

/** Options for `createProviderSim`, also the JSON config file format. */
export const simOptionsSchema = z
  .object({
    seed: z.number().int().default(1),
    /** The SQLite file that keeps the provider's state across restarts; `:memory:` keeps nothing. */
    db: z.string().min(1).default(':memory:'),
    clock: z
      .object({
        mode: z.enum(['manual', 'system']).default('manual'),
        start: z.union([z.string().datetime({ offset: true }), z.number().int()]).optional(),
        pollMs: z.number().int().min(10).default(250),
      })
      .strict()
      .default({}),
    ttl: z
      .object({
        stripe: z
          .object({
            paymentIntentMs: z.number().int().positive().default(DAY),
            authorizationMs: z
              .number()
              .int()
              .positive()
              .default(7 * DAY),
            /** How long a refund paid with a test card that settles later (pending, or failing asynchronously) takes to change status. */
            refundMs: z.number().int().positive().default(HOUR),
          })
          .strict()
          .default({}),
        nuvei: z
          .object({
            sessionTokenMs: z
              .number()
              .int()
              .positive()
              .default(20 * MINUTE),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    latencyMs: z.number().int().min(0).default(0),
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(100 * 1024),
    publicUrl: z.string().url().optional(),
    accounts: z.array(merchantAccountSchema).min(1).default([DEFAULT_ACCOUNT]),
    callbacks: z
      .object({
        maxAttempts: z.number().int().min(1).max(50).default(6),
        initialBackoffMs: z.number().int().min(0).default(10_000),
        maxBackoffMs: z.number().int().min(0).default(HOUR),
        timeoutMs: z.number().int().positive().default(5_000),
      })
      .strict()
      .default({}),
    chaos: z
      .object({
        seed: z.number().int().optional(),
        callbackDropRate: rate.default(0),
        callbackDuplicateRate: rate.default(0),
        apiErrorRate: rate.default(0),
      })
      .strict()
      .default({}),
  })
  .strict();

export type SimOptions = z.input<typeof simOptionsSchema>;
export type ResolvedSimOptions = z.infer<typeof simOptionsSchema>;

/** Thrown when options or a config file do not validate; the message names each bad field. */
export class SimConfigError extends Error {
  override name = 'SimConfigError';
}

export function parseOptions(input: unknown, source = 'options'): ResolvedSimOptions {
  const parsed = simOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SimConfigError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  const ids = new Set<string>();
  for (const a of parsed.data.accounts) {
    if (ids.has(a.id)) throw new SimConfigError(`invalid ${source}: duplicate account id ${a.id}`);
    ids.add(a.id);
  }
  return parsed.data;
}

/** Reads and validates a JSON config file. */
export async function loadConfigFile(path: string): Promise<ResolvedSimOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SimConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SimConfigError(`config file ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseOptions(json, `config file ${path}`);
}
