import { randomBytes } from 'node:crypto';
import type {
  CreateWebhookEndpointInput,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookFaultSpec,
  WebhookFaultView,
} from '@accrupay/contracts';
import type { MerchantRow, WebhookEndpointRow, WebhookFaultRow } from '../../store/store.ts';
import { isoAt } from '../clock.ts';
import { type DomainContext, nowIso } from '../context.ts';
import { RouterError } from '../errors.ts';
import { newId } from '../ids.ts';

/** The most endpoints a merchant may have at once. */
export const MAX_WEBHOOK_ENDPOINTS = 16;

/** A new signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function endpointToWire(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    enabledEvents: row.enabled_events,
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function withSecret(row: WebhookEndpointRow): WebhookEndpointWithSecret {
  return { ...endpointToWire(row), secret: row.secret };
}

/** One of the merchant's endpoints; 404 for another merchant's or a deleted one. */
export async function merchantEndpoint(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
): Promise<WebhookEndpointRow> {
  const row = await ctx.store.findWebhookEndpoint(id);
  if (row === undefined || row.merchant_id !== merchant.id || row.status === 'DELETED') {
    throw new RouterError(
      'NOT_FOUND',
      `No webhook endpoint ${id}: list them with GET /v1/webhook-endpoints.`,
    );
  }
  return row;
}

export async function createEndpoint(
  ctx: DomainContext,
  merchant: MerchantRow,
  input: Required<Pick<CreateWebhookEndpointInput, 'url' | 'enabledEvents'>> &
    Pick<CreateWebhookEndpointInput, 'description'>,
): Promise<WebhookEndpointWithSecret> {
  const existing = await ctx.store.listWebhookEndpoints(merchant.id);
  if (existing.length >= MAX_WEBHOOK_ENDPOINTS) {
    throw new RouterError(
      'CONFLICT',
      `A merchant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints: delete one first (DELETE /v1/webhook-endpoints/:id).`,
    );
  }
  const now = nowIso(ctx);
  const row: WebhookEndpointRow = {
    id: newId('we'),
    merchant_id: merchant.id,
    url: input.url,
    description: input.description ?? null,
    enabled_events: input.enabledEvents.includes('*') ? ['*'] : [...new Set(input.enabledEvents)],
    secret: newWebhookSecret(),
    previous_secret: null,
    previous_secret_expires_at: null,
    status: 'ENABLED',
    disabled_reason: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.insertWebhookEndpoint(row);
  ctx.logger.info({ endpointId: row.id, url: row.url }, 'webhooks: endpoint registered');
  return withSecret(row);
}

export async function listEndpoints(ctx: DomainContext, merchant: MerchantRow) {
  return { data: (await ctx.store.listWebhookEndpoints(merchant.id)).map(endpointToWire) };
}

export async function getEndpoint(ctx: DomainContext, merchant: MerchantRow, id: string) {
  return endpointToWire(await merchantEndpoint(ctx, merchant, id));
}

export async function deleteEndpoint(ctx: DomainContext, merchant: MerchantRow, id: string) {
  const row = await merchantEndpoint(ctx, merchant, id);
  const updated_at = nowIso(ctx);
  await ctx.store.updateWebhookEndpoint(id, { status: 'DELETED', updated_at });
  return endpointToWire({ ...row, status: 'DELETED', updated_at });
}

/** A new secret; the previous one also signs deliveries until the grace period ends. */
export async function rotateSecret(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
  graceSeconds: number,
): Promise<WebhookEndpointWithSecret> {
  const row = await merchantEndpoint(ctx, merchant, id);
  const now = ctx.clock.now();
  const patch = {
    secret: newWebhookSecret(),
    previous_secret: graceSeconds > 0 ? row.secret : null,
    previous_secret_expires_at: graceSeconds > 0 ? isoAt(now + graceSeconds * 1000) : null,
    updated_at: isoAt(now),
  };
  if (!(await ctx.store.updateWebhookEndpoint(id, patch))) {
    throw new RouterError('NOT_FOUND', `No webhook endpoint ${id}: it was deleted meanwhile.`);
  }
  return withSecret({ ...row, ...patch });
}

/** Every FAILED or DROPPED delivery to the endpoint since `since` goes again now. */
export async function recoverEndpoint(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
  since: string,
): Promise<{ redelivered: number }> {
  await merchantEndpoint(ctx, merchant, id);
  // Stored times are ISO with milliseconds in UTC: `since` is compared as that instant.
  const redelivered = await ctx.store.recoverDeliveries(id, isoAt(Date.parse(since)), nowIso(ctx));
  ctx.webhooks.kick();
  return { redelivered };
}

function faultToWire(row: WebhookFaultRow): WebhookFaultView {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    spec: row.spec,
    remaining: row.remaining,
    used: row.used,
    createdAt: row.created_at,
  };
}

export async function armFault(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
  spec: WebhookFaultSpec,
): Promise<WebhookFaultView> {
  await merchantEndpoint(ctx, merchant, id);
  const row: WebhookFaultRow = {
    id: newId('wf'),
    endpoint_id: id,
    merchant_id: merchant.id,
    spec,
    remaining: spec.times ?? null,
    used: 0,
    created_at: nowIso(ctx),
  };
  await ctx.store.insertWebhookFault(row);
  return faultToWire(row);
}

export async function listFaults(ctx: DomainContext, merchant: MerchantRow, id: string) {
  await merchantEndpoint(ctx, merchant, id);
  return { data: (await ctx.store.listWebhookFaults(id)).map(faultToWire) };
}

export async function disarmFault(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
  faultId: string,
): Promise<WebhookFaultView> {
  await merchantEndpoint(ctx, merchant, id);
  const row = await ctx.store.deleteWebhookFault(id, faultId);
  if (row === undefined) {
    throw new RouterError(
      'NOT_FOUND',
      `No armed fault ${faultId} on endpoint ${id} (a fault with times is removed once used up): list them with GET /v1/webhook-endpoints/${id}/faults.`,
    );
  }
  return faultToWire(row);
}
