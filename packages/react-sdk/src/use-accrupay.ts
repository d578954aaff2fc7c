import { useCallback, useSyncExternalStore } from 'react';
import { useAccruPayContext } from './context.tsx';
import { type AccruPayState, IDLE_STATE } from './state.ts';

/** What {@link useAccruPay} returns: the form's state and a way to abandon it. */
export interface UseAccruPay extends AccruPayState {
  /** Abandons the form (the customer chose not to pay): the state becomes `canceled`. */
  cancel(): void;
}

/**
 * The state of the payment form rendered inside the same {@link AccruPayProvider}: `idle`,
 * `loading`, `ready`, `submitting`, `succeeded`, `failed`, `expired`, `canceled` or `finished`,
 * with the error when there is one.
 *
 * The state is informational: a `succeeded` form means the provider's page said so, not that
 * money moved. Confirm an order only on your backend's `verify()`.
 */
export function useAccruPay(): UseAccruPay {
  const { store } = useAccruPayContext('useAccruPay');
  const state = useSyncExternalStore(store.subscribe, store.get, () => IDLE_STATE);
  const cancel = useCallback(() => store.cancel(), [store]);
  return { ...state, cancel };
}
