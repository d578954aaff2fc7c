/** The router's clock: milliseconds since the epoch. Tests inject the simulator's clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO 8601 UTC with milliseconds: the only timestamp format stored, so that text order is time order. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
