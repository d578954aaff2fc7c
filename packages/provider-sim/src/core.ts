import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { en, Faker } from '@faker-js/faker';
import { type Clock, createClock, Scheduler } from './clock.ts';
import { type MerchantAccount, merchantAccountSchema, type ResolvedSimOptions } from './config.ts';
import { randomString } from './ids.ts';
import { Ledger, type LedgerEntry } from './ledger.ts';
import type { Provider } from './provider.ts';
import {
  DEFAULT_UNMAPPABLE_STATUS,
  defaultTimes,
  type Scenario,
  type ScenarioInput,
  type ScenarioKind,
  type SessionKeys,
  scenarioSchema,
  targetMatches,
} from './scenarios.ts';
import { stripeSignatureHeader } from './signatures.ts';
import { Store, type Table } from './store.ts';

export type { LedgerEntry } from './ledger.ts';
export type { Provider } from './provider.ts';

/** One callback the simulator tried to deliver, with every attempt. */
export interface Delivery {
  id: string;
  provider: Provider;
  accountId: string;
  url: string;
  eventType: string;
  keys: SessionKeys;
  forged: false | 'bad_signature' | 'wrong_secret_success';
  state: 'scheduled' | 'delivered' | 'retrying' | 'failed' | 'dropped';
  scheduledAt: string;
  nextAttemptAt: string | undefined;
  attempts: { at: string; status?: number; error?: string }[];
  contentType: string;
  body: string;
}

/** How each attempt of a callback is signed; data, not a function, so that a delivery survives a restart. */
export type Signing =
  | { scheme: 'none' }
  | { scheme: 'stripe'; secret: string }
  | { scheme: 'stripe-zero' };

/** The headers that sign one attempt made at `nowMs`. */
export function signHeaders(signing: Signing, body: string, nowMs: number): Record<string, string> {
  const t = Math.floor(nowMs / 1000);
  if (signing.scheme === 'stripe') {
    return { 'stripe-signature': stripeSignatureHeader(signing.secret, t, body) };
  }
  if (signing.scheme === 'stripe-zero') {
    return { 'stripe-signature': `t=${t},v1=${'0'.repeat(64)}` };
  }
  return {};
}

/** What a provider hands over to send one callback: the body and how to sign its attempts. */
export interface OutgoingCallback {
  provider: Provider;
  accountId: string;
  url: string | undefined;
  eventType: string;
  keys: SessionKeys;
  contentType: string;
  body: string;
  signing: Signing;
  forge(mode: 'bad_signature' | 'wrong_secret_success'): { body: string; signing: Signing };
}

interface HeldRequest {
  res: ServerResponse;
  releaseAt: number;
}

export class SimCore {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly events = new EventEmitter();
  /** Where everything the provider knows is kept; see store.ts. */
  readonly store: Store;
  faker!: Faker;
  private chaosFaker!: Faker;
  readonly accounts: Table<MerchantAccount>;
  /** What the providers really did; see ledger.ts. */
  readonly ledger: Ledger;
  private readonly scenarios: Table<Scenario>;
  private readonly deliveries: Table<Delivery>;
  private readonly signings: Table<Signing>;
  held = new Set<HeldRequest>();
  private outOfOrder = new Map<string, { releaseAt: number; items: (() => Promise<void>)[] }>();
  private readonly resetHooks: (() => void)[] = [];
  private readonly loadHooks: (() => void)[] = [];

  constructor(readonly options: ResolvedSimOptions) {
    this.clock = createClock({
      mode: options.clock.mode,
      ...(options.clock.start !== undefined ? { start: new Date(options.clock.start) } : {}),
    });
    this.scheduler = new Scheduler(this.clock, () => this.persist());
    this.store = new Store(options.db);
    this.store.beforeFlush = () => this.saveClock();
    this.accounts = this.store.table('accounts');
    this.ledger = new Ledger(this.store.table('ledger'), () => ({
      id: this.nextId('led_'),
      at: this.nowIso(),
    }));
    this.scenarios = this.store.table('scenarios');
    this.deliveries = this.store.table('deliveries');
    this.signings = this.store.table('delivery-signing');
    this.seedFakers();
  }

  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  /** Runs after the stored state is loaded (at start): providers rebuild their indexes and re-arm their expiries. */
  onLoad(hook: () => void): void {
    this.loadHooks.push(hook);
  }

  private seedFakers(): void {
    this.faker = new Faker({ locale: [en] });
    this.faker.seed(this.options.seed);
    this.chaosFaker = new Faker({ locale: [en] });
    this.chaosFaker.seed(this.options.chaos.seed ?? this.options.seed + 1);
  }

  /** Loads what the database holds (nothing for a new file), applies the configured accounts, restores the clock and re-arms what was scheduled. */
  open(): void {
    this.store.load();
    this.restoreClock();
    for (const a of this.options.accounts) this.accounts.set(a.id, structuredClone(a));
    for (const d of this.deliveries.values()) {
      if (d.state === 'scheduled' || d.state === 'retrying') {
        const at = Date.parse(d.nextAttemptAt ?? d.scheduledAt);
        this.scheduler.schedule(at, () => this.attempt(d.id));
      }
    }
    for (const hook of this.loadHooks) hook();
    this.persist();
    this.kick();
  }

  reset(): void {
    this.seedFakers();
    this.store.clear();
    for (const a of this.options.accounts) this.accounts.set(a.id, structuredClone(a));
    this.outOfOrder.clear();
    this.scheduler.clear();
    for (const h of this.held) h.res.destroy();
    this.held.clear();
    for (const hook of this.resetHooks) hook();
    this.persist();
  }

  /** Writes every change not yet written, in one transaction; called before each answer is sent. */
  persist(): void {
    this.store.flush();
  }

  private clockMoved = false;

  private saveClock(): void {
    if (!this.clockMoved && !this.store.pending) return;
    this.clockMoved = false;
    const now = this.clock.now();
    const state =
      this.clock.mode === 'system'
        ? { mode: 'system', now, offset: now - Date.now() }
        : { mode: 'manual', now };
    this.store.setMeta('clock', JSON.stringify(state), false);
  }

  private restoreClock(): void {
    const raw = this.store.getMeta('clock');
    if (!raw) return;
    const saved = JSON.parse(raw) as { mode: string; now: number; offset?: number };
    const target =
      saved.mode === 'system' && this.clock.mode === 'system' && saved.offset !== undefined
        ? Date.now() + saved.offset
        : saved.now;
    if (Number.isFinite(target) && target > this.clock.now()) this.clock.set(target);
  }

  scenarioList(): Scenario[] {
    return [...this.scenarios.values()];
  }

  clearScenarios(): void {
    for (const s of [...this.scenarios.values()]) this.scenarios.delete(s.id);
  }

  deliveryList(): Delivery[] {
    return [...this.deliveries.values()];
  }

  nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** A fresh random id with `prefix` (ledger entries, deliveries, scenarios): never a counter, so never repeated after a restart or reset. */
  nextId(prefix: string): string {
    return `${prefix}${randomString(16, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  }

  /** Moves the clock forward, stopping at each scheduled task so that it runs at its own time. */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance needs ms >= 0');
    await this.advanceTo(this.clock.now() + ms);
  }

  async advanceTo(target: number): Promise<void> {
    if (target < this.clock.now()) throw new RangeError('the clock never goes backwards');
    this.clockMoved = true;
    for (;;) {
      await this.scheduler.runDue();
      const next = this.scheduler.nextDueAt();
      if (next === undefined || next > target) break;
      if (next > this.clock.now()) this.clock.set(next);
    }
    this.clock.set(target);
    this.clockMoved = true;
    await this.scheduler.runDue();
    this.persist();
  }

  /** Runs whatever is due now (callbacks emitted by the last requests) and waits for it. */
  async flush(): Promise<void> {
    await this.scheduler.runDue();
  }

  kick(): void {
    setImmediate(() => {
      void this.scheduler.runDue();
    });
  }

  upsertAccount(input: unknown): MerchantAccount {
    const account = merchantAccountSchema.parse(input);
    this.accounts.set(account.id, account);
    return account;
  }

  findAccount(pred: (a: MerchantAccount) => boolean): MerchantAccount | undefined {
    for (const a of this.accounts.values()) if (pred(a)) return a;
    return undefined;
  }

  record(entry: Omit<LedgerEntry, 'id' | 'at'>): LedgerEntry {
    return this.ledger.add(entry);
  }

  addScenario(input: ScenarioInput | unknown): Scenario {
    const spec = scenarioSchema.parse(input);
    const scenario: Scenario = {
      ...spec,
      id: this.nextId('scn_'),
      remaining: spec.times ?? defaultTimes(spec.kind),
      used: 0,
    };
    this.scenarios.set(scenario.id, scenario);
    return scenario;
  }

  removeScenario(id: string): boolean {
    return this.scenarios.delete(id);
  }

  /** Finds the first active scenario of one of `kinds` matching the session and uses it once. */
  takeScenario<K extends ScenarioKind>(
    kinds: readonly K[],
    provider: Provider,
    keys: SessionKeys | undefined,
  ): Extract<Scenario, { kind: K }> | undefined {
    let found: Scenario | undefined;
    for (const s of this.scenarios.values()) {
      if ((kinds as readonly ScenarioKind[]).includes(s.kind) && targetMatches(s, keys, provider)) {
        found = s;
        break;
      }
    }
    if (!found) return undefined;
    this.scenarios.set(found.id, found);
    found.used += 1;
    if (found.remaining !== undefined) {
      found.remaining -= 1;
      if (found.remaining <= 0) this.removeScenario(found.id);
    }
    return found as Extract<Scenario, { kind: K }>;
  }

  /** Without using it: the status an unmappable_status scenario reports for this session, if any. */
  unmappableStatus(provider: Provider, keys: SessionKeys): string | undefined {
    let s: Scenario | undefined;
    for (const x of this.scenarios.values()) {
      if (x.kind === 'unmappable_status' && targetMatches(x, keys, provider)) {
        s = x;
        break;
      }
    }
    if (s?.kind !== 'unmappable_status') return undefined;
    return s.status ?? DEFAULT_UNMAPPABLE_STATUS[provider];
  }

  chaos(rate: number): boolean {
    return rate > 0 && this.chaosFaker.number.float({ min: 0, max: 1 }) < rate;
  }

  /** Applies the API fault scenarios (and the chaos rate) to a provider call; returns what the handler must do. */
  apiFault(
    provider: Provider,
    keys: SessionKeys | undefined,
  ):
    | { kind: 'none' }
    | { kind: 'error'; status: number }
    | { kind: 'timeout'; holdMs: number; applied: boolean } {
    const s = this.takeScenario(['api_error', 'api_timeout'], provider, keys);
    if (s?.kind === 'api_error') return { kind: 'error', status: s.status };
    if (s?.kind === 'api_timeout') return { kind: 'timeout', holdMs: s.holdMs, applied: s.applied };
    if (this.chaos(this.options.chaos.apiErrorRate)) return { kind: 'error', status: 500 };
    return { kind: 'none' };
  }

  /** Keeps a response open, then drops the connection after `holdMs` of clock time, as a provider timeout looks to a client. */
  hold(res: ServerResponse, holdMs: number): void {
    this.persist();
    const held: HeldRequest = { res, releaseAt: this.clock.now() + holdMs };
    this.held.add(held);
    res.on('close', () => this.held.delete(held));
    this.scheduler.schedule(held.releaseAt, () => {
      this.held.delete(held);
      res.destroy();
    });
    this.events.emit('request-held', { releaseAt: new Date(held.releaseAt).toISOString() });
  }

  /** Queues a callback, applying the callback scenarios and chaos rates. */
  emitCallback(cb: OutgoingCallback): void {
    const now = this.clock.now();
    if (!cb.url) {
      this.addDelivery(this.newDelivery(cb, '(no callback URL configured)', false, 'dropped'));
      return;
    }
    const url = cb.url;
    const forged = this.takeScenario(['forged_callback'], cb.provider, cb.keys);
    if (forged) {
      const f = cb.forge(forged.mode);
      const d = this.newDelivery({ ...cb, body: f.body }, url, forged.mode, 'scheduled');
      this.addDelivery(d, f.signing);
      this.scheduler.schedule(now, () => this.attempt(d.id));
    }
    if (this.takeScenario(['drop_callback'], cb.provider, cb.keys)) {
      this.addDelivery(this.newDelivery(cb, url, false, 'dropped'));
      return;
    }
    if (this.chaos(this.options.chaos.callbackDropRate)) {
      this.addDelivery(this.newDelivery(cb, url, false, 'dropped'));
      return;
    }
    const delay = this.takeScenario(['delay_callback'], cb.provider, cb.keys);
    const at = now + (delay?.delayMs ?? 0);
    const dup = this.takeScenario(
      ['duplicate_callback', 'concurrent_duplicates'],
      cb.provider,
      cb.keys,
    );
    let copies = dup?.copies ?? 1;
    if (!dup && this.chaos(this.options.chaos.callbackDuplicateRate)) copies = 2;
    const deliveries = Array.from({ length: copies }, () => {
      const d = this.newDelivery(cb, url, false, 'scheduled');
      d.scheduledAt = new Date(at).toISOString();
      d.nextAttemptAt = d.scheduledAt;
      this.addDelivery(d, cb.signing);
      return d;
    });
    const send = () => {
      if (dup?.kind === 'concurrent_duplicates') {
        this.scheduler.schedule(at, async () => {
          await Promise.all(deliveries.map((d) => this.attempt(d.id)));
        });
      } else {
        for (const d of deliveries) this.scheduler.schedule(at, () => this.attempt(d.id));
      }
    };
    const ooo = this.takeScenario(['out_of_order'], cb.provider, cb.keys);
    if (ooo) {
      const key = cb.keys.providerRefs[0] ?? cb.keys.tokens[0] ?? 'all';
      let buf = this.outOfOrder.get(key);
      if (!buf) {
        const fresh = {
          releaseAt: Math.max(at, now + ooo.windowMs),
          items: [] as (() => Promise<void>)[],
        };
        buf = fresh;
        this.outOfOrder.set(key, fresh);
        this.scheduler.schedule(fresh.releaseAt, async () => {
          this.outOfOrder.delete(key);
          for (const item of fresh.items.reverse()) await item();
        });
      }
      // After a restart the held copies are sent one by one at the window's end.
      for (const d of deliveries) d.nextAttemptAt = new Date(buf.releaseAt).toISOString();
      buf.items.push(async () => {
        for (const d of deliveries) await this.attempt(d.id);
      });
      return;
    }
    send();
    this.kick();
  }

  private addDelivery(d: Delivery, signing?: Signing): void {
    this.deliveries.set(d.id, d);
    if (signing) this.signings.set(d.id, signing);
  }

  private newDelivery(
    cb: Pick<
      OutgoingCallback,
      'provider' | 'accountId' | 'eventType' | 'keys' | 'contentType' | 'body'
    >,
    url: string,
    forged: Delivery['forged'],
    state: Delivery['state'],
  ): Delivery {
    return {
      id: this.nextId('dlv_'),
      provider: cb.provider,
      accountId: cb.accountId,
      url,
      eventType: cb.eventType,
      keys: cb.keys,
      forged,
      state,
      scheduledAt: this.nowIso(),
      nextAttemptAt: state === 'scheduled' ? this.nowIso() : undefined,
      attempts: [],
      contentType: cb.contentType,
      body: cb.body,
    };
  }

  private async attempt(id: string): Promise<void> {
    const d = this.deliveries.peek(id);
    if (!d || (d.state !== 'scheduled' && d.state !== 'retrying')) return;
    const signing = this.signings.peek(id) ?? { scheme: 'none' };
    const now = this.clock.now();
    const at = new Date(now).toISOString();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': d.contentType, ...signHeaders(signing, d.body, now) },
        body: d.body,
        signal: AbortSignal.timeout(this.options.callbacks.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message;
    }
    // A reset (or close) while the request was in flight: this delivery is gone.
    if (this.store.isClosed || this.deliveries.get(id) !== d) return;
    d.attempts.push({
      at,
      ...(status !== undefined ? { status } : {}),
      ...(error ? { error } : {}),
    });
    if (status !== undefined && status >= 200 && status < 300) {
      d.state = 'delivered';
      d.nextAttemptAt = undefined;
      return;
    }
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.options.callbacks;
    if (d.attempts.length >= maxAttempts) {
      d.state = 'failed';
      d.nextAttemptAt = undefined;
      return;
    }
    const backoff = Math.min(initialBackoffMs * 2 ** (d.attempts.length - 1), maxBackoffMs);
    const next = now + backoff;
    d.state = 'retrying';
    d.nextAttemptAt = new Date(next).toISOString();
    this.scheduler.schedule(next, () => this.attempt(id));
  }
}
