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
}

/** Builds the context from what the HTTP layer found: the merchant, or why there is none. */
export function graphqlContext(input: {
  service: SandboxService;
  requestId: string;
  merchant: MerchantRow | undefined;
  authError: RouterError | undefined;
}): GraphqlContext {
  let accounts: Promise<Map<string, ProviderAccountWire>> | undefined;
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
  };
}
