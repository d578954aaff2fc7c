/** The simulator's single source of time. */
export interface Clock {
  /** Current simulated time in milliseconds since the epoch. */
  now(): number;
  /** Moves simulated time forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Jumps simulated time to `date` (never backwards). */
  set(date: Date | number): void;
  /** `manual` only moves when told; `system` follows the wall clock plus any advances. */
  readonly mode: ClockMode;
}

export type ClockMode = 'manual' | 'system';

/** Creates a clock; a manual clock starts at `start` and moves only when advanced or set. */
export function createClock(options: { mode?: ClockMode; start?: Date | number } = {}): Clock {
  const mode = options.mode ?? 'manual';
  const start = options.start === undefined ? Date.now() : +options.start;
  let offset = mode === 'system' ? start - Date.now() : 0;
  let manualNow = start;
  const now = () => (mode === 'system' ? Date.now() + offset : manualNow);
  return {
    mode,
    now,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance(ms) needs ms >= 0');
      if (mode === 'system') offset += ms;
      else manualNow += ms;
    },
    set(date) {
      const target = +date;
      if (!Number.isFinite(target)) throw new RangeError('set(date) needs a valid date');
      const current = now();
      if (target < current) throw new RangeError('the clock never goes backwards');
      if (mode === 'system') offset += target - current;
      else manualNow = target;
    },
  };
}

interface Task {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

/** Runs work at clock times; nothing runs until `runDue()` is called (by advance, a request or the system-mode poller). */
export class Scheduler {
  private tasks: Task[] = [];
  private seq = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly afterTask: () => void = () => {},
  ) {}

  schedule(at: number, run: Task['run']): void {
    const task = { at, seq: this.seq++, run };
    let lo = 0;
    let hi = this.tasks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.tasks[mid]?.at ?? 0) <= at) lo = mid + 1;
      else hi = mid;
    }
    this.tasks.splice(lo, 0, task);
  }

  get size(): number {
    return this.tasks.length;
  }

  nextDueAt(): number | undefined {
    return this.tasks[0]?.at;
  }

  clear(): void {
    this.tasks = [];
  }

  /** Runs every task due at the current clock time, including tasks that become due while running. */
  async runDue(): Promise<void> {
    while (this.running) await this.running;
    if ((this.tasks[0]?.at ?? Number.POSITIVE_INFINITY) > this.clock.now()) return;
    this.running = this.drain();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const due = this.tasks
        .filter((t) => t.at <= now)
        .sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (due.length === 0) return;
      this.tasks = this.tasks.filter((t) => t.at > now);
      for (const t of due) {
        try {
          await t.run();
        } catch {
          // a task reports its own failures; one failing task never stops the others
        }
        try {
          this.afterTask();
        } catch {
          // the store reports its own write failures on the next request
        }
      }
    }
  }
}
