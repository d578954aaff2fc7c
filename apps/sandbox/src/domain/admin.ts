import {
  type AdminMerchant,
  durationMs,
  type LedgerEntryWire,
  type Mismatch,
  type TimelineEntry,
} from '@accrupay/contracts';
import type {
  AdminFilters,
  MerchantRow,
  PageRequest,
  SessionRow,
  TransactionRow,
} from '../store/store.ts';
import { isoAt } from './clock.ts';
import type { DomainContext } from './context.ts';
import { RouterError } from './errors.ts';
import { createMerchant } from './merchants.ts';
import { sessionWires, transactionWires } from './views.ts';

/**
 * The sandbox control API (dashboard, CLI): what a person at the keyboard reads and steers across
 * merchants. The simulator is reached through its own control API (`/__sim`), as it would be in
 * its own process.
 */

async function simulator<T>(
  ctx: DomainContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const url = `${ctx.simulatorUrl}/__sim${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new RouterError(
      'PROVIDER_ERROR',
      `The simulator's control API at ${url} did not answer: is it running?`,
      {
        cause: error,
      },
    );
  }
  const answer = (await response.json().catch(() => ({}))) as T & {
    error?: { message?: string; issues?: unknown };
  };
  if (response.status === 400) {
    throw new RouterError(
      'VALIDATION_ERROR',
      `The simulator refused it: ${answer.error?.message ?? 'bad request'}`,
      {
        details: { simulator: answer.error },
      },
    );
  }
  if (response.status === 404) {
    throw new RouterError(
      'NOT_FOUND',
      answer.error?.message ?? `Not found at the simulator: ${path}`,
    );
  }
  if (response.status === 409) {
    throw new RouterError('CONFLICT', answer.error?.message ?? 'The simulator refused it.');
  }
  if (!response.ok) {
    throw new RouterError(
      'PROVIDER_ERROR',
      `The simulator answered ${response.status} to ${method} ${path}`,
    );
  }
  return answer;
}

interface SimLedgerEntry {
  id: string;
  at: string;
  provider: string;
  accountId: string;
  kind: string;
  amount: number;
  currency: string;
  providerRef: string;
  merchantRef?: string;
  token?: string;
  relatedRef?: string;
  detail?: string;
}

function ledgerToWire(entry: SimLedgerEntry): LedgerEntryWire {
  return {
    id: entry.id,
    at: entry.at,
    provider: entry.provider,
    accountId: entry.accountId,
    kind: entry.kind,
    amount: entry.amount,
    currency: entry.currency,
    providerRef: entry.providerRef,
    merchantRef: entry.merchantRef ?? null,
    relatedRef: entry.relatedRef ?? null,
    detail: entry.detail ?? null,
  };
}

async function ledgerOf(ctx: DomainContext, filter: Record<string, string> = {}) {
  const query = new URLSearchParams(filter).toString();
  const { data } = await simulator<{ data: SimLedgerEntry[] }>(
    ctx,
    'GET',
    `/ledger${query ? `?${query}` : ''}`,
  );
  return data;
}

async function merchantToWire(ctx: DomainContext, row: MerchantRow): Promise<AdminMerchant> {
  const providers = await ctx.store.listMerchantTransactionProviders(row.id);
  return {
    id: row.id,
    name: row.name,
    merchantPublicId: row.public_id,
    secretLast4: row.secret_last4,
    allowedOrigins: row.allowed_origins,
    providers: providers.map((p) => ({ id: p.id, transactionProvider: p.provider })),
    createdAt: row.created_at,
  };
}

export async function overview(ctx: DomainContext) {
  const merchants = await ctx.store.listMerchants();
  const clock = await simulator<{ now: string; mode: 'manual' | 'system' }>(ctx, 'GET', '/clock');
  return {
    now: isoAt(ctx.clock.now()),
    clockMode: ctx.clockFollowsSimulator ? clock.mode : ('system' as const),
    providerUrl: ctx.simulatorUrl,
    merchants: await Promise.all(merchants.map((row) => merchantToWire(ctx, row))),
  };
}

export async function adminCreateMerchant(
  ctx: DomainContext,
  input: { name?: string | undefined; allowedOrigins?: string[] | undefined },
) {
  const created = await createMerchant(ctx, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.allowedOrigins ? { allowedOrigins: input.allowedOrigins } : {}),
  });
  const row = await ctx.store.findMerchantById(created.merchantId);
  if (row === undefined)
    throw new RouterError('INTERNAL_ERROR', 'the merchant just created is gone');
  return { merchant: await merchantToWire(ctx, row), apiSecret: created.apiSecret };
}

export async function setAllowedOrigins(ctx: DomainContext, id: string, origins: string[]) {
  const unique = [...new Set(origins)];
  if (!(await ctx.store.setAllowedOrigins(id, unique))) {
    throw new RouterError('NOT_FOUND', `No merchant ${id}: GET /v1/admin/overview lists them.`);
  }
  const row = await ctx.store.findMerchantById(id);
  if (row === undefined) throw new RouterError('NOT_FOUND', `No merchant ${id}.`);
  // The providers' hosted pages check the origins they were registered with: register again on next use.
  ctx.provisioned.clear();
  return merchantToWire(ctx, row);
}

export async function adminSessions(
  ctx: DomainContext,
  filters: AdminFilters<SessionRow['status']>,
  page: PageRequest,
) {
  const { rows, total } = await ctx.store.adminSessions(filters, page);
  const wires = await sessionWires(ctx, rows);
  return {
    data: rows.map((row, index) => ({
      merchantId: row.merchant_id,
      session: wires[index] as never,
    })),
    total,
  };
}

export async function adminTransactions(
  ctx: DomainContext,
  filters: AdminFilters<TransactionRow['status']>,
  page: PageRequest,
) {
  const { rows, total } = await ctx.store.adminTransactions(filters, page);
  const wires = await transactionWires(ctx, rows);
  return {
    data: rows.map((row, index) => ({
      merchantId: row.merchant_id,
      transaction: wires[index] as never,
    })),
    total,
  };
}

/** The status an event's type says its object moved to. */
function statusAfter(type: string): string {
  const suffix = type.slice(type.indexOf('.') + 1);
  if (suffix === 'settled' || suffix === 'voided' || suffix === 'refunded') return 'SUCCEEDED';
  if (suffix === 'refund_reversed') return 'FAILED';
  return suffix.toUpperCase();
}

/** A session with its timeline: status changes with their causes, callbacks, webhooks, ledger. */
export async function sessionDetail(ctx: DomainContext, id: string) {
  const session = await ctx.store.findSessionById(id);
  if (session === undefined) {
    throw new RouterError('NOT_FOUND', `No session ${id}: GET /v1/admin/sessions lists them.`);
  }
  const [wire] = await sessionWires(ctx, [session]);
  const transactions = await ctx.store.listSessionTransactions(session.id);
  const codes = [
    ...new Set(
      [session.provider_code, ...transactions.map((t) => t.provider_code)].filter(
        (code): code is string => code !== null,
      ),
    ),
  ];
  const events = await ctx.store.listEventsOfObjects([
    session.id,
    ...transactions.map((t) => t.id),
  ]);
  const deliveries = await ctx.store.listDeliveriesOfEvents(events.map((event) => event.id));
  const callbacks = await ctx.store.listProviderCallbacksByCodes(codes);
  const ledgers = await Promise.all([
    ...(session.token ? [ledgerOf(ctx, { token: session.token })] : []),
    ...codes.map((code) => ledgerOf(ctx, { providerRef: code })),
  ]);
  const ledger = [...new Map(ledgers.flat().map((entry) => [entry.id, entry])).values()].sort(
    (a, b) => a.at.localeCompare(b.at),
  );
  const what = (event: (typeof events)[number]) => {
    if (event.object_type === 'client_session') return 'session';
    const transaction = transactions.find((t) => t.id === event.object_id);
    return transaction ? `${transaction.action.toLowerCase()} ${transaction.id}` : 'transaction';
  };
  const timeline: TimelineEntry[] = [
    {
      at: session.created_at,
      kind: 'created' as const,
      title: `session created (${session.type})`,
      detail: `code ${session.merchant_internal_transaction_code}`,
    },
    ...events.map((event) => {
      const sent = deliveries.filter((d) => d.event_id === event.id);
      return {
        at: event.created_at,
        kind: 'status' as const,
        title: `${what(event)}: ${event.previous_status ?? '?'} -> ${statusAfter(event.type)}`,
        detail: [
          event.cause ? `by ${event.cause}` : null,
          `event ${event.type} ${event.id}`,
          sent.length === 0
            ? 'no webhook endpoint took it'
            : `webhooks: ${sent.map((d) => `${d.state.toLowerCase()} after ${d.attempts} failed attempt(s)`).join(', ')}`,
        ]
          .filter(Boolean)
          .join('; '),
      };
    }),
    ...callbacks.map((callback) => ({
      at: callback.received_at,
      kind: 'callback' as const,
      title: `${callback.provider} callback ${callback.event_type ?? ''}`.trim(),
      detail: `${callback.verified ? 'signature verified' : 'signature NOT verified'}; ${callback.outcome}`,
    })),
    ...ledger.map((entry) => ({
      at: entry.at,
      kind: 'ledger' as const,
      title: `provider ${entry.kind} ${entry.amount} ${entry.currency}`,
      detail: `${entry.providerRef}${entry.detail ? `: ${entry.detail}` : ''}`,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return {
    merchantId: session.merchant_id,
    session: wire as never,
    timeline,
    ledger: ledger.map(ledgerToWire),
  };
}

export async function adminLedger(
  ctx: DomainContext,
  filter: { merchantRef?: string | undefined; providerRef?: string | undefined },
) {
  const given = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as Record<
    string,
    string
  >;
  return { data: (await ledgerOf(ctx, given)).map(ledgerToWire) };
}

/** Which ledger kind records the money of a SUCCEEDED transaction of each action; null: none moves. */
const MONEY_KIND: Record<TransactionRow['action'], string | null> = {
  PAYMENT: 'charge',
  PAYMENT_METHOD_CHARGE: 'charge',
  SETTLE: 'capture',
  REFUND: 'refund',
  AUTHORIZATION: null,
  ADD_PAYMENT_METHOD: null,
  VOID: null,
};
const MONEY_KINDS = new Set(Object.values(MONEY_KIND).filter((kind) => kind !== null));

/**
 * The router's transactions beside the simulator's ledger: money that moved with no transaction
 * recording it, SUCCEEDED transactions with no movement, amounts that differ, money moved twice.
 */
export async function reconcile(ctx: DomainContext, merchantId: string | undefined) {
  const transactions = await ctx.store.transactionsAtProviders(merchantId);
  let ledger = await ledgerOf(ctx);
  if (merchantId !== undefined) {
    const accounts = new Set(
      (await ctx.store.listMerchantTransactionProviders(merchantId)).map((p) => p.id),
    );
    ledger = ledger.filter(
      (entry) =>
        transactions.some((t) => t.provider_code === entry.providerRef) ||
        accounts.has(entry.accountId),
    );
  }
  const money = ledger.filter((entry) => MONEY_KINDS.has(entry.kind));
  const mismatches: Mismatch[] = [];
  const claimed = new Set<string>();
  for (const transaction of transactions) {
    const kind = MONEY_KIND[transaction.action];
    if (kind === null) continue;
    const moved = money.filter(
      (e) => e.kind === kind && e.providerRef === transaction.provider_code,
    );
    for (const entry of moved) claimed.add(entry.id);
    const base = {
      merchantId: transaction.merchant_id,
      transactionId: transaction.id,
      providerRef: transaction.provider_code,
    };
    const counted = transaction.status === 'SUCCEEDED';
    if (counted && moved.length === 0) {
      mismatches.push({
        kind: 'missing_at_provider',
        ...base,
        detail: `${transaction.action} ${transaction.id} is SUCCEEDED but the provider has no ${kind} for ${transaction.provider_code}`,
      });
    } else if (moved.length > 1) {
      mismatches.push({
        kind: 'moved_twice',
        ...base,
        detail: `${moved.length} ${kind} entries at the provider for ${transaction.action} ${transaction.id}`,
      });
    } else if (counted && moved[0] && String(moved[0].amount) !== transaction.amount) {
      mismatches.push({
        kind: 'amount_differs',
        ...base,
        detail: `the router says ${transaction.amount} ${transaction.currency}, the provider ${moved[0].amount} ${moved[0].currency.toUpperCase()}`,
      });
    } else if (!counted && moved.length > 0 && transaction.status !== 'STARTED') {
      mismatches.push({
        kind: 'unknown_to_router',
        ...base,
        detail: `the provider did a ${kind} of ${moved[0]?.amount} but ${transaction.action} ${transaction.id} is ${transaction.status}: verify or sync it`,
      });
    }
  }
  for (const entry of money) {
    if (claimed.has(entry.id)) continue;
    mismatches.push({
      kind: 'unknown_to_router',
      merchantId: null,
      transactionId: null,
      providerRef: entry.providerRef,
      detail: `the provider did a ${entry.kind} of ${entry.amount} ${entry.currency.toUpperCase()} (${entry.providerRef}${entry.merchantRef ? `, order ${entry.merchantRef}` : ''}) that no transaction records`,
    });
  }
  return { transactions: transactions.length, ledgerEntries: ledger.length, mismatches };
}

/** Moves the router's and the simulator's clock (one clock when the simulator is embedded). */
export async function advanceClock(ctx: DomainContext, by: { by: string } | { to: string }) {
  if (!ctx.clockFollowsSimulator) {
    throw new RouterError(
      'CONFLICT',
      "The router runs on the system clock (its simulator is not embedded): move the simulator's clock with its own control API, POST /__sim/clock/advance; the router's cannot be moved.",
    );
  }
  const before = ctx.clock.now();
  if ('by' in by) {
    const ms = durationMs(by.by);
    if (ms === undefined)
      throw new RouterError('VALIDATION_ERROR', `by: ${by.by} is not a duration such as 20m`);
    await simulator(ctx, 'POST', '/clock/advance', { ms });
  } else {
    await simulator(ctx, 'POST', '/clock/set', { now: by.to });
  }
  const now = ctx.clock.now();
  const expired = await ctx.store.sessionsExpiringBetween(isoAt(before), isoAt(now));
  ctx.webhooks.kick();
  return {
    before: isoAt(before),
    now: isoAt(now),
    expired: expired.map((row) => ({
      sessionId: row.id,
      merchantId: row.merchant_id,
      code: row.merchant_internal_transaction_code,
      expiresAt: row.token_expires_at ?? '',
    })),
  };
}

export async function scenarios(ctx: DomainContext) {
  return simulator<{ data: Record<string, unknown>[] }>(ctx, 'GET', '/scenarios');
}

/** Arms a simulator scenario; `sessionId` targets that session by its provider token. */
export async function armScenario(ctx: DomainContext, body: Record<string, unknown>) {
  const { sessionId, ...scenario } = body;
  if (sessionId !== undefined) {
    const session =
      typeof sessionId === 'string' ? await ctx.store.findSessionById(sessionId) : undefined;
    if (session === undefined)
      throw new RouterError('NOT_FOUND', `sessionId: no session ${String(sessionId)}`);
    if (session.token === null) {
      throw new RouterError(
        'VALIDATION_ERROR',
        `sessionId: session ${session.id} has no provider token yet: target it by its code, { target: { merchantRef } }`,
      );
    }
    scenario.target = { token: session.token };
  }
  return simulator<Record<string, unknown>>(ctx, 'POST', '/scenarios', scenario);
}

export async function disarmScenario(ctx: DomainContext, id: string) {
  await simulator(ctx, 'DELETE', `/scenarios/${encodeURIComponent(id)}`);
  return { removed: true as const };
}

/** Deletes what merchants did and the simulator's state; merchants stay and are registered again. */
export async function reset(ctx: DomainContext) {
  await ctx.store.truncateActivity();
  await simulator(ctx, 'POST', '/reset');
  ctx.provisioned.clear();
  return { reset: true as const };
}
