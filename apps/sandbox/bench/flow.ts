// One complete payment flow, as a merchant's backend and a browser run it: start (REST or
// GraphQL), pay through the simulator's hosted submit, verify (which asks the provider).
import { TEST_BILLING } from '@accrupay/provider-sim';
import { postJson, SUCCESS_CARD } from './support.ts';

export type Api = 'REST' | 'GraphQL';
export type Provider = 'STRIPE' | 'NUVEI';

export interface BenchMerchant {
  apiSecret: string;
  merchantTransactionProviderIds: Record<string, string>;
}

const GRAPHQL_START = `mutation($p: TRANSACTION_PROVIDER, $d: MerchantApiClientTransactionPaymentSessionStartSchema!) {
  merchantApiClientTransactionPaymentSessionStartV2(transactionProvider: $p, data: $d) { id token }
}`;
const GRAPHQL_VERIFY = `mutation($id: String) {
  merchantApiClientTransactionPaymentSessionVerify(id: $id) { id status }
}`;

/** One flow's start and verify, over REST or over the GraphQL API; the same work either way. */
function merchantApi(url: string, apiSecret: string, api: Api) {
  const headers = { 'accrupay-api-secret': apiSecret };
  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const answer = await postJson(`${url}/graphql`, { query, variables }, headers);
    if (answer.errors) throw new Error(`GraphQL answered ${JSON.stringify(answer.errors)}`);
    return Object.values(answer.data as Record<string, Record<string, unknown>>)[0] ?? {};
  };
  return {
    start: (provider: Provider, mtpId: string | undefined, data: Record<string, unknown>) =>
      api === 'REST'
        ? postJson(
            `${url}/v1/client-sessions/payments`,
            { merchantTransactionProviderId: mtpId, data },
            headers,
          )
        : graphql(GRAPHQL_START, { p: provider, d: data }),
    verify: (id: unknown) =>
      api === 'REST'
        ? postJson(`${url}/v1/client-sessions/payments/verify`, { id }, headers)
        : graphql(GRAPHQL_VERIFY, { id }),
  };
}

/** The flow `i` against the sandbox at `url` whose simulator answers at `providerUrl`. */
export function paymentFlow(options: {
  url: string;
  providerUrl: string;
  merchant: BenchMerchant;
  api: Api;
  provider: Provider;
  /** Makes each run's order codes its own (several runs share one database). */
  tag: string;
}): (i: number) => Promise<void> {
  const { url, providerUrl, merchant, api, provider, tag } = options;
  const calls = merchantApi(url, merchant.apiSecret, api);
  const card = SUCCESS_CARD[provider];
  return async (i) => {
    const session = await calls.start(provider, merchant.merchantTransactionProviderIds[provider], {
      merchantInternalTransactionCode: `bench-${tag}-${api}-${provider}-${i}`,
      amount: '1000',
      currency: 'USD',
      storePaymentMethod: false,
      billing: TEST_BILLING,
    });
    await postJson(`${providerUrl}/hosted/submit`, {
      provider: provider.toLowerCase(),
      token: session.token,
      origin: 'http://localhost:5173',
      number: card,
      expMonth: '12',
      expYear: '2034',
      cvc: '123',
      name: `${TEST_BILLING.billingFirstName} ${TEST_BILLING.billingLastName}`,
    });
    const transaction = await calls.verify(session.id);
    if (transaction.status !== 'SUCCEEDED')
      throw new Error(`verify said ${String(transaction.status)}`);
  };
}
