import { describe, expect, it } from 'vitest';
import { createClock, Scheduler } from './clock.ts';

describe('clock', () => {
  it('a manual clock moves only when advanced or set, never backwards', () => {
    const clock = createClock({ start: new Date('2030-01-01T00:00:00Z') });
    expect(new Date(clock.now()).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    clock.advance(86_400_000);
    expect(new Date(clock.now()).toISOString()).toBe('2030-01-02T00:00:00.000Z');
    clock.set(new Date('2030-02-01T00:00:00Z'));
    expect(new Date(clock.now()).toISOString()).toBe('2030-02-01T00:00:00.000Z');
    expect(() => clock.set(new Date('2029-01-01T00:00:00Z'))).toThrow(/backwards/);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('a system clock follows the wall clock plus advances', () => {
    const clock = createClock({ mode: 'system' });
    const before = clock.now();
    clock.advance(3_600_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(3_600_000);
  });

  it('the scheduler runs only due tasks, in time order, including tasks they schedule', async () => {
    const clock = createClock({ start: 0 });
    const s = new Scheduler(clock);
    const ran: string[] = [];
    s.schedule(20, () => {
      ran.push('b');
    });
    s.schedule(10, () => {
      ran.push('a');
      s.schedule(10, () => {
        ran.push('a2');
      });
    });
    s.schedule(30, () => {
      throw new Error('a failing task does not stop others');
    });
    await s.runDue();
    expect(ran).toEqual([]);
    clock.advance(25);
    await s.runDue();
    expect(ran).toEqual(['a', 'b', 'a2']);
    expect(s.nextDueAt()).toBe(30);
    clock.advance(10);
    await s.runDue();
    expect(s.size).toBe(0);
  });
});
