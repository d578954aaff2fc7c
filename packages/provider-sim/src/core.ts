import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { en, Faker } from '@faker-js/faker';
import { CardIssuers } from './cards.ts';
import { type Clock, createClock, Scheduler } from './clock.ts';
import { type MerchantAccount, merchantAccountSchema, type ResolvedSimOptions } from './config.ts';
import { Deliveries, type Delivery, type OutgoingCallback } from './deliveries.ts';
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
import { Store, type Table } from './store.ts';

export type { Delivery } from './deliveries.ts';
export type { LedgerEntry } from './ledger.ts';
export type { Provider } from './provider.ts';

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
  /** The callbacks sent to the merchant; see deliveries.ts. */
  private readonly callbacks: Deliveries;
  held = new Set<HeldRequest>();
  /** The simulated issuers (Accrue Pay's virtual cards) a card acquirer consults; see cards.ts. */
  readonly cardIssuers = new CardIssuers();
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
    this.callbacks = new Deliveries(this);
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
    this.callbacks.rearm();
    for (const hook of this.loadHooks) hook();
    this.persist();
    this.kick();
  }

  reset(): void {
    this.seedFakers();
    this.store.clear();
    for (const a of this.options.accounts) this.accounts.set(a.id, structuredClone(a));
    this.callbacks.reset();
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
    return this.callbacks.list();
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

  /** Queues a callback, applying the callback scenarios and chaos rates; see deliveries.ts. */
  emitCallback(cb: OutgoingCallback): void {
    this.callbacks.emit(cb);
  }
}
