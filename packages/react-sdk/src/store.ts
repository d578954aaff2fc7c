import { type AccruPayState, IDLE_STATE } from './state.ts';

/** Holds the state of the provider's payment form for {@link useAccruPay}. */
export class FormStore {
  private state: AccruPayState = IDLE_STATE;
  private readonly listeners = new Set<() => void>();
  private canceler: (() => void) | null = null;

  readonly get = (): AccruPayState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(state: AccruPayState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  setCanceler(canceler: (() => void) | null): void {
    this.canceler = canceler;
  }

  cancel(): void {
    this.canceler?.();
  }
}
