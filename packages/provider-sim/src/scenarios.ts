import { z } from 'zod';
import { PROVIDERS, type Provider } from './provider.ts';

/** Which sessions a scenario applies to: all of them, or one by its token, a provider reference or the merchant's reference. */
export const scenarioTargetSchema = z.union([
  z.literal('all'),
  z.object({ token: z.string().min(1) }).strict(),
  z.object({ providerRef: z.string().min(1) }).strict(),
  z.object({ merchantRef: z.string().min(1) }).strict(),
]);

const base = {
  target: scenarioTargetSchema.default('all'),
  provider: z.enum(PROVIDERS).optional(),
  times: z.number().int().positive().optional(),
};

/** A fault to inject; see the README for each kind. */
export const scenarioSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drop_callback'), ...base }).strict(),
  z
    .object({
      kind: z.literal('duplicate_callback'),
      copies: z.number().int().min(2).max(20).default(2),
      ...base,
    })
    .strict(),
  z
    .object({
      kind: z.literal('concurrent_duplicates'),
      copies: z.number().int().min(2).max(20).default(3),
      ...base,
    })
    .strict(),
  z
    .object({ kind: z.literal('delay_callback'), delayMs: z.number().int().positive(), ...base })
    .strict(),
  z
    .object({
      kind: z.literal('out_of_order'),
      windowMs: z.number().int().positive().default(1_000),
      ...base,
    })
    .strict(),
  z
    .object({
      kind: z.literal('forged_callback'),
      mode: z.enum(['bad_signature', 'wrong_secret_success']).default('bad_signature'),
      ...base,
    })
    .strict(),
  z
    .object({
      kind: z.literal('api_error'),
      status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(500),
      ...base,
    })
    .strict(),
  z
    .object({
      kind: z.literal('api_timeout'),
      holdMs: z.number().int().positive().default(30_000),
      applied: z.boolean().default(true),
      ...base,
    })
    .strict(),
  z
    .object({ kind: z.literal('unmappable_status'), status: z.string().min(1).optional(), ...base })
    .strict(),
]);

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioSpec = z.infer<typeof scenarioSchema>;
export type ScenarioKind = ScenarioSpec['kind'];
export type ScenarioTarget = z.infer<typeof scenarioTargetSchema>;
/** An installed scenario; `remaining` is undefined when it applies until removed. */
export type Scenario = ScenarioSpec & { id: string; remaining: number | undefined; used: number };

/** The identifiers a session is known by, used to match scenario targets. */
export interface SessionKeys {
  provider: Provider;
  tokens: string[];
  providerRefs: string[];
  merchantRef?: string | undefined;
}

export const API_SCENARIOS: readonly ScenarioKind[] = ['api_error', 'api_timeout'];

export function defaultTimes(kind: ScenarioKind): number | undefined {
  return kind === 'api_error' || kind === 'api_timeout' ? 1 : undefined;
}

export function targetMatches(
  scenario: Scenario,
  keys: SessionKeys | undefined,
  provider: Provider,
): boolean {
  if (scenario.provider && scenario.provider !== provider) return false;
  const t = scenario.target;
  if (t === 'all') return true;
  if (!keys) return false;
  if ('token' in t) return keys.tokens.includes(t.token);
  if ('providerRef' in t) return keys.providerRefs.includes(t.providerRef);
  return keys.merchantRef === t.merchantRef;
}

/** What an unmappable_status scenario reports when it names no status: a status each provider really has but the router does not map. */
export const DEFAULT_UNMAPPABLE_STATUS = {
  stripe: 'requires_review',
  nuvei: 'UNDER_REVIEW',
  accrue: 'pending_review',
} satisfies Record<Provider, string>;

/** Scenarios a person can pick on the hosted card page. */
export const CARD_PAGE_SCENARIOS: readonly {
  value: string;
  label: string;
  spec?: ScenarioInput;
}[] = [
  { value: 'none', label: 'No fault' },
  { value: 'drop', label: 'Drop the callback', spec: { kind: 'drop_callback' } },
  { value: 'duplicate', label: 'Send the callback twice', spec: { kind: 'duplicate_callback' } },
  {
    value: 'concurrent',
    label: 'Send 3 concurrent duplicate callbacks',
    spec: { kind: 'concurrent_duplicates' },
  },
  {
    value: 'delay',
    label: 'Delay the callback by 10 minutes (clock time)',
    spec: { kind: 'delay_callback', delayMs: 600_000 },
  },
  {
    value: 'out_of_order',
    label: 'Deliver callbacks out of order',
    spec: { kind: 'out_of_order' },
  },
  {
    value: 'forged_signature',
    label: 'Also send a forged callback (bad signature)',
    spec: { kind: 'forged_callback', mode: 'bad_signature' },
  },
  {
    value: 'forged_success',
    label: 'Also send a forged success signed with the wrong secret',
    spec: { kind: 'forged_callback', mode: 'wrong_secret_success' },
  },
  {
    value: 'unmappable',
    label: 'Report a status the router cannot map',
    spec: { kind: 'unmappable_status' },
  },
];
