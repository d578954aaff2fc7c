import type { ProviderTransport } from './transport.ts';
import type { ProviderAccountSetup } from './types.ts';

/**
 * The simulator's account provisioning (`PUT /__sim/accounts/:id`): not part of any provider's
 * protocol, it registers a merchant's credentials, callback URL and allowed origins with the
 * embedded simulator. An adapter only says which section of the account is its own.
 */
export async function provisionSimAccount(
  transport: ProviderTransport,
  baseUrl: string,
  account: {
    /** The provider's name in messages ("Stripe"). */
    label: string;
    accountId: string;
    /** The provider's section of the simulator account, e.g. `{ stripe: {...} }`. */
    section: Record<string, unknown>;
    setup: ProviderAccountSetup;
  },
): Promise<void> {
  const url = `${baseUrl}/__sim/accounts/${encodeURIComponent(account.accountId)}`;
  const { status, text } = await transport.send(`${account.label} account setup`, {
    method: 'PUT',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...account.section, allowedOrigins: account.setup.allowedOrigins }),
  });
  if (status >= 400) {
    throw new Error(`${url} refused the ${account.label} account (HTTP ${status}): ${text}`);
  }
}
