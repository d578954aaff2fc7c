import type {
  ClientTransactionSessionStatus,
  TransactionProvider,
  TransactionStatus,
} from '@accrupay/contracts';
import { describe, expectTypeOf, test } from 'vitest';
import type {
  SessionPatch,
  SessionRow,
  Store,
  TransactionPatch,
  TransactionRow,
} from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { moveSession, moveTransaction, patchTransactionWhile } from './transitions.ts';

declare const ctx: DomainContext;
declare const store: Store;
const now = '2025-01-01T00:00:00.000Z';

describe('status literals are the contract enums: a typo does not compile', () => {
  test('rows carry the contract types', () => {
    expectTypeOf<SessionRow['status']>().toEqualTypeOf<ClientTransactionSessionStatus>();
    expectTypeOf<TransactionRow['status']>().toEqualTypeOf<TransactionStatus>();
    expectTypeOf<SessionRow['provider']>().toEqualTypeOf<TransactionProvider>();
    expectTypeOf<TransactionRow['provider']>().toEqualTypeOf<TransactionProvider>();
  });

  test('a session status', () => {
    void moveSession(ctx, 's1', 'EXPIRED', { updated_at: now });
    // @ts-expect-error: not a session status
    void moveSession(ctx, 's1', 'EXPRIED', { updated_at: now });
    // @ts-expect-error: SUCCEEDED is a transaction status, not a session status
    void moveSession(ctx, 's1', 'SUCCEEDED', { updated_at: now });
    // @ts-expect-error: a status write names its target; the sources come from the state machine
    void moveSession(ctx, 's1', 'ERROR', { status: 'ERROR', updated_at: now });
    // @ts-expect-error: the store's compare-and-set takes statuses, not any string
    void store.updateSessionIf('s1', ['PENDIGN'], { updated_at: now });
    // @ts-expect-error: nor does a patch
    const patch: SessionPatch = { status: 'COMPLETE', updated_at: now };
    void patch;
  });

  test('a transaction status', () => {
    void moveTransaction(ctx, 't1', 'SUCCEEDED', { updated_at: now });
    // @ts-expect-error: not a transaction status
    void moveTransaction(ctx, 't1', 'SUCCEDED', { updated_at: now });
    // @ts-expect-error: COMPLETED is a session status, not a transaction status
    void moveTransaction(ctx, 't1', 'COMPLETED', { updated_at: now });
    // @ts-expect-error: not a transaction status
    void patchTransactionWhile(ctx, 't1', 'PENDNG', { updated_at: now });
    // @ts-expect-error: the store's compare-and-set takes statuses, not any string
    void store.updateTransactionIf('t1', ['STARTD'], { updated_at: now });
    // @ts-expect-error: nor does a patch
    const patch: TransactionPatch = { status: 'DECLINE', updated_at: now };
    void patch;
  });

  test('a provider', () => {
    void store.findMerchantTransactionProviderByProvider('m1', 'STRIPE');
    // @ts-expect-error: not a provider
    void store.findMerchantTransactionProviderByProvider('m1', 'STRIPPE');
    // @ts-expect-error: providers are upper case, as the contract spells them
    const provider: SessionRow['provider'] = 'nuvei';
    void provider;
  });
});
