import type { Billing } from '@accrupay/contracts';
import { RouterError } from '../../domain/errors.ts';
import type { ProviderAccountWire } from '../../domain/listing.ts';
import type { SandboxService } from '../../domain/service.ts';
import type { MerchantRow } from '../../store/store.ts';

/** What each resolver of one request sees. */
export interface GraphqlContext {
  service: SandboxService;
  requestId: string;
  /** The merchant of the API secret; throws UNAUTHENTICATED when it is missing or wrong. */
  merchant(): MerchantRow;
  /** One of the merchant's provider records, read once per request. */
  providerAccount(id: string): Promise<ProviderAccountWire>;
  /** A session's billing contact; the sessions asked for in one tick are read at once. */
  sessionBilling(sessionId: string): Promise<Billing | null>;
}

/** Builds the context from what the HTTP layer found: the merchant, or why there is none. */
export function graphqlContext(input: {
  service: SandboxService;
  requestId: string;
  merchant: MerchantRow | undefined;
  authError: RouterError | undefined;
}): GraphqlContext {
  let accounts: Promise<Map<string, ProviderAccountWire>> | undefined;
  const billings = new Map<string, Promise<Billing | null>>();
  let batch: Array<{ id: string; resolve: (billing: Promise<Billing | null>) => void }> = [];
  const merchant = () => {
    if (input.merchant) return input.merchant;
    throw (
      input.authError ??
      new RouterError(
        'AUTHENTICATION_FAILED',
        'Missing API secret: send the merchant API secret (sk_test_...) in the accrupay-api-secret header.',
      )
    );
  };
  return {
    service: input.service,
    requestId: input.requestId,
    merchant,
    async providerAccount(id) {
      accounts ??= input.service
        .providerAccounts(merchant())
        .then((list) => new Map(list.map((account) => [account.id, account])));
      const account = (await accounts).get(id);
      if (!account)
        throw new RouterError('NOT_FOUND', `Provider record ${id} was not found for this merchant`);
      return account;
    },
    sessionBilling(sessionId) {
      const known = billings.get(sessionId);
      if (known) return known;
      const pending = new Promise<Billing | null>((resolve) => {
        if (batch.length === 0) {
          // The resolvers of one list run in the same tick: one read for the whole page.
          queueMicrotask(() => {
            const asked = batch;
            batch = [];
            const read = Promise.resolve().then(() =>
              input.service.billingOfSessions(
                merchant(),
                asked.map((one) => one.id),
              ),
            );
            for (const one of asked) {
              one.resolve(read.then((found) => (found.get(one.id) as Billing | null) ?? null));
            }
          });
        }
        batch.push({ id: sessionId, resolve });
      });
      billings.set(sessionId, pending);
      return pending;
    },
  };
}
