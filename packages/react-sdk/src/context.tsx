import { DEFAULT_BASE_URL } from '@accrupay/contracts';
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { FormStore } from './store.ts';

/** The base URL used when the provider is given none: the sandbox's default address. */
export { DEFAULT_BASE_URL };

interface AccruPayContextValue {
  merchantPublicId: string;
  baseUrl: string;
  store: FormStore;
}

const AccruPayContext = createContext<AccruPayContextValue | null>(null);

/** Props of {@link AccruPayProvider}. */
export interface AccruPayProviderProps {
  /** Your merchant public id (`pk_test_...`): public, safe to embed in the page. */
  merchantPublicId: string;
  /** The AccruPay API the browser talks to. Default `http://127.0.0.1:4000`, the local sandbox. */
  baseUrl?: string;
  children?: ReactNode;
}

/**
 * Makes your merchant public id and the AccruPay API address available to the payment form and
 * {@link useAccruPay}. Never give it your API secret: the browser needs only the public id.
 *
 * @example
 * ```tsx
 * <AccruPayProvider merchantPublicId="pk_test_..." baseUrl="http://127.0.0.1:4000">
 *   <PaymentForm sessionId={sessionId} onSuccess={() => confirmOnMyBackend(sessionId)} />
 * </AccruPayProvider>
 * ```
 */
export function AccruPayProvider({
  merchantPublicId,
  baseUrl = DEFAULT_BASE_URL,
  children,
}: AccruPayProviderProps) {
  const [store] = useState(() => new FormStore());
  const value = useMemo(
    () => ({ merchantPublicId, baseUrl, store }),
    [merchantPublicId, baseUrl, store],
  );
  return <AccruPayContext.Provider value={value}>{children}</AccruPayContext.Provider>;
}

export function useAccruPayContext(caller: string): AccruPayContextValue {
  const value = useContext(AccruPayContext);
  if (!value) {
    throw new Error(
      `${caller} must be rendered inside <AccruPayProvider merchantPublicId="pk_test_...">.`,
    );
  }
  return value;
}
