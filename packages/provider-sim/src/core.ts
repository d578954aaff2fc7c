import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { en, Faker } from '@faker-js/faker';
import { type Clock, createClock, Scheduler } from './clock.ts';
import { type MerchantAccount, merchantAccountSchema, type ResolvedSimOptions } from './config.ts';
import { randomString } from './ids.ts';
import {
  defaultTimes,
  type Scenario,
  type ScenarioInput,
  type ScenarioKind,
  type SessionKeys,
  scenarioSchema,
  targetMatches,
} from './scenarios.ts';

export type Provider = 'stripe' | 'nuvei';

/** One thing the provider really did, whatever its callbacks said. */
export interface LedgerEntry {
  id: string;
  at: string;
  provider: Provider;
  accountId: string;
  kind: 'authorization' | 'capture' | 'charge' | 'void' | 'decline' | 'error' | 'verification';
  amount: number;
  currency: string;
  providerRef: string;
  merchantRef: string | undefined;
  token: string | undefined;
  detail?: string | undefined;
}

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

/** What a provider hands over to send one callback: the body and how to sign an attempt at a given time. */
export interface OutgoingCallback {
  provider: Provider;
  accountId: string;
  url: string | undefined;
  eventType: string;
  keys: SessionKeys;
  contentType: string;
  body: string;
  headers(nowMs: number): Record<string, string>;
  forge(mode: 'bad_signature' | 'wrong_secret_success'): {
    body: string;
    headers(nowMs: number): Record<string, string>;
  };
}

interface HeldRequest {
  res: ServerResponse;
  releaseAt: number;
}

export class SimCore {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly events = new EventEmitter();
  faker!: Faker;
  private chaosFaker!: Faker;
  accounts = new Map<string, MerchantAccount>();
  ledger: LedgerEntry[] = [];
  scenarios: Scenario[] = [];
  deliveries: Delivery[] = [];
  held = new Set<HeldRequest>();
  private outOfOrder = new Map<string, { items: (() => Promise<void>)[] }>();
  private readonly resetHooks: (() => void)[] = [];

  constructor(readonly options: ResolvedSimOptions) {
    this.clock = createClock({
      mode: options.clock.mode,
      ...(options.clock.start !== undefined ? { start: new Date(options.clock.start) } : {}),
    });
    this.scheduler = new Scheduler(this.clock);
    this.reset();
  }

  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  reset(): void {
    this.faker = new Faker({ locale: [en] });
    this.faker.seed(this.options.seed);
    this.chaosFaker = new Faker({ locale: [en] });
    this.chaosFaker.seed(this.options.chaos.seed ?? this.options.seed + 1);
    this.accounts = new Map(this.options.accounts.map((a) => [a.id, structuredClone(a)]));
    this.ledger = [];
    this.scenarios = [];
    this.deliveries = [];
    this.outOfOrder.clear();
    this.scheduler.clear();
    for (const h of this.held) h.res.destroy();
    this.held.clear();
    for (const hook of this.resetHooks) hook();
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
    for (;;) {
      await this.scheduler.runDue();
      const next = this.scheduler.nextDueAt();
      if (next === undefined || next > target) break;
      if (next > this.clock.now()) this.clock.set(next);
    }
    this.clock.set(target);
    await this.scheduler.runDue();
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
    const full: LedgerEntry = { id: this.nextId('led_'), at: this.nowIso(), ...entry };
    this.ledger.push(full);
    return full;
  }

  addScenario(input: ScenarioInput | unknown): Scenario {
    const spec = scenarioSchema.parse(input);
    const scenario: Scenario = {
      ...spec,
      id: this.nextId('scn_'),
      remaining: spec.times ?? defaultTimes(spec.kind),
      used: 0,
    };
    this.scenarios.push(scenario);
    return scenario;
  }

  removeScenario(id: string): boolean {
    const before = this.scenarios.length;
    this.scenarios = this.scenarios.filter((s) => s.id !== id);
    return this.scenarios.length !== before;
  }

  /** Finds the first active scenario of one of `kinds` matching the session and uses it once. */
  takeScenario<K extends ScenarioKind>(
    kinds: readonly K[],
    provider: Provider,
    keys: SessionKeys | undefined,
  ): Extract<Scenario, { kind: K }> | undefined {
    const found = this.scenarios.find(
      (s) =>
        (kinds as readonly ScenarioKind[]).includes(s.kind) && targetMatches(s, keys, provider),
    );
    if (!found) return undefined;
    found.used += 1;
    if (found.remaining !== undefined) {
      found.remaining -= 1;
      if (found.remaining <= 0) this.removeScenario(found.id);
    }
    return found as Extract<Scenario, { kind: K }>;
  }

  /** Without using it: the status an unmappable_status scenario reports for this session, if any. */
  unmappableStatus(provider: Provider, keys: SessionKeys): string | undefined {
    const s = this.scenarios.find(
      (x) => x.kind === 'unmappable_status' && targetMatches(x, keys, provider),
    );
    if (s?.kind !== 'unmappable_status') return undefined;
    return s.status ?? (provider === 'stripe' ? 'requires_review' : 'UNDER_REVIEW');
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
      this.deliveries.push(this.newDelivery(cb, '(no callback URL configured)', false, 'dropped'));
      return;
    }
    const url = cb.url;
    const forged = this.takeScenario(['forged_callback'], cb.provider, cb.keys);
    if (forged) {
      const f = cb.forge(forged.mode);
      const d = this.newDelivery({ ...cb, body: f.body }, url, forged.mode, 'scheduled');
      this.deliveries.push(d);
      this.scheduler.schedule(now, () => this.attempt(d, f.headers));
    }
    if (this.takeScenario(['drop_callback'], cb.provider, cb.keys)) {
      this.deliveries.push(this.newDelivery(cb, url, false, 'dropped'));
      return;
    }
    if (this.chaos(this.options.chaos.callbackDropRate)) {
      this.deliveries.push(this.newDelivery(cb, url, false, 'dropped'));
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
      this.deliveries.push(d);
      return d;
    });
    const send = () => {
      if (dup?.kind === 'concurrent_duplicates') {
        this.scheduler.schedule(at, async () => {
          await Promise.all(deliveries.map((d) => this.attempt(d, cb.headers)));
        });
      } else {
        for (const d of deliveries) this.scheduler.schedule(at, () => this.attempt(d, cb.headers));
      }
    };
    const ooo = this.takeScenario(['out_of_order'], cb.provider, cb.keys);
    if (ooo) {
      const key = cb.keys.providerRefs[0] ?? cb.keys.tokens[0] ?? 'all';
      let buf = this.outOfOrder.get(key);
      if (!buf) {
        const fresh = { items: [] as (() => Promise<void>)[] };
        buf = fresh;
        this.outOfOrder.set(key, fresh);
        this.scheduler.schedule(Math.max(at, now + ooo.windowMs), async () => {
          this.outOfOrder.delete(key);
          for (const item of fresh.items.reverse()) await item();
        });
      }
      buf.items.push(async () => {
        for (const d of deliveries) await this.attempt(d, cb.headers);
      });
      return;
    }
    send();
    this.kick();
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

  private async attempt(
    d: Delivery,
    headers: (nowMs: number) => Record<string, string>,
  ): Promise<void> {
    const now = this.clock.now();
    const at = new Date(now).toISOString();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': d.contentType, ...headers(now) },
        body: d.body,
        signal: AbortSignal.timeout(this.options.callbacks.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message;
    }
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
    this.scheduler.schedule(next, () => this.attempt(d, headers));
  }
}
