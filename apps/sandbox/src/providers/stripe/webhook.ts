import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { CallbackHint } from '../types.ts';

const eventSchema = z.object({
  type: z.string().nullish(),
  data: z.object({ object: z.object({ id: z.string().nullish() }).passthrough() }).nullish(),
});

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string) {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return Array.isArray(entry?.[1]) ? entry[1][0] : entry?.[1];
}

/**
 * The events the router's Stripe webhook endpoint takes (its `enabled_events`): those that can
 * change what the router records of a session or a refund. Left out: the `*.created` echoes of
 * what the router itself created, and `charge.refunded`, which names a charge the router does
 * not keep (the refund's own `refund.updated` / `charge.refund.updated` say what it needs).
 */
export const STRIPE_WEBHOOK_EVENTS = [
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.processing',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'setup_intent.requires_action',
  'setup_intent.succeeded',
  'setup_intent.setup_failed',
  'setup_intent.canceled',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
] as const;

/**
 * Whether a Stripe event only says that an object was created (`payment_intent.created`,
 * `setup_intent.created`, `refund.created`...): the router created it through the API and knows.
 * Its endpoint does not take them (STRIPE_WEBHOOK_EVENTS); an endpoint that takes every event
 * still sends them.
 */
function echoesCreation(type: string | null | undefined): boolean {
  return type?.endsWith('.created') === true;
}

/**
 * Checks a webhook's `Stripe-Signature` (`t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">`) against
 * the account's webhook secret and the tolerance; hints at the intent, never at its outcome.
 */
export function verifyStripeWebhook(options: {
  webhookSecret: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  nowSeconds: number;
  toleranceSeconds: number;
}): { ok: true; hint: CallbackHint } | { ok: false; reason: string } {
  const { rawBody, toleranceSeconds: tolerance } = options;
  const signature = header(options.headers, 'stripe-signature');
  if (!signature) return { ok: false, reason: 'missing Stripe-Signature header' };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of signature.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value);
  }
  if (t === undefined || signatures.length === 0) {
    return { ok: false, reason: 'malformed Stripe-Signature header (needs t=<seconds>,v1=<hex>)' };
  }
  const expected = createHmac('sha256', options.webhookSecret)
    .update(`${t}.`)
    .update(rawBody)
    .digest();
  if (!signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) {
    return { ok: false, reason: 'Stripe-Signature does not match the body (signature mismatch)' };
  }
  if (Math.abs(options.nowSeconds - t) > tolerance) {
    return { ok: false, reason: `Stripe-Signature timestamp outside the ${tolerance} s tolerance` };
  }
  const event = eventSchema.safeParse(safeJson(rawBody));
  if (!event.success) return { ok: false, reason: 'signed body is not a Stripe event' };
  return {
    ok: true,
    hint: {
      providerCode: event.data.data?.object.id ?? null,
      token: null,
      eventType: event.data.type ?? null,
      news: !echoesCreation(event.data.type),
    },
  };
}
