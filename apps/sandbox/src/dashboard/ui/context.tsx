import { createContext, useContext } from 'react';
import type { Ok } from './api.ts';

export type Overview = Ok<'overview'>;

/** The overview every view shares (clock, merchants) and how to load it again after a change. */
export interface Shared {
  overview: Overview | undefined;
  refresh: () => void;
}

export const SharedContext = createContext<Shared>({ overview: undefined, refresh: () => {} });

export function useShared(): Shared & { merchantName: (id: string) => string } {
  const shared = useContext(SharedContext);
  return {
    ...shared,
    merchantName: (id) =>
      shared.overview?.merchants.find((m) => m.id === id)?.name ?? id.slice(0, 8),
  };
}
