// The published AccruPay client (`@accrupay/node` 0.15.1 from the npm registry, installed as
// `accrupay-node-published`) pointed at a test sandbox, and plain GraphQL over fetch for what
// that client has no method for.
import { AccruPay, COUNTRY_ISO_2 } from 'accrupay-node-published';
import { BILLING, type Harness } from './support.ts';

/** The published client's parameters, as its constructor takes them. */
type PublishedParams = ConstructorParameters<typeof AccruPay>[0];

/** The published client, pointed at the harness's sandbox with the merchant's secret. */
export function publishedClient(h: Harness, options: Partial<PublishedParams> = {}): AccruPay {
  return new AccruPay({
    apiSecret: h.t.merchant.apiSecret,
    url: `${h.t.sandbox.url}/graphql`,
    // Telemetry only adds headers; off, so the requests are only what the operations need.
    enableTelemetry: false,
    ...options,
  });
}

/** The harness's billing contact typed as the published client wants it (its country enum). */
export const PUBLISHED_BILLING = { ...BILLING, billingAddressCountry: COUNTRY_ISO_2.US };

/** A GraphQL error as the sandbox answers it. */
export interface GraphqlError {
  message: string;
  path?: string[];
  extensions: { code?: string; accrupayCode?: string } & Record<string, unknown>;
}

/** A GraphQL answer: the HTTP status with the body's data and errors. */
export interface GraphqlAnswer<T> {
  status: number;
  data?: T | null;
  errors?: GraphqlError[];
}

/**
 * POSTs one GraphQL request body to the sandbox's /graphql, as curl or any GraphQL client would:
 * the body goes as given (BigInt amounts as decimal strings), the merchant's secret in the header.
 */
export async function postGraphql<T = Record<string, unknown>>(
  h: Harness,
  body: { query: string; variables?: Record<string, unknown> } | string,
  secret: string = h.t.merchant.apiSecret,
): Promise<GraphqlAnswer<T>> {
  const response = await fetch(`${h.t.sandbox.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accrupay-api-secret': secret },
    body:
      typeof body === 'string'
        ? body
        : JSON.stringify(body, (_key, value) =>
            typeof value === 'bigint' ? value.toString() : value,
          ),
  });
  const answer = (await response.json()) as { data?: T | null; errors?: GraphqlError[] };
  return { status: response.status, ...answer };
}

/** The data of an answer that must have no errors; the errors, in the thrown message, if any. */
export function dataOf<T>(answer: GraphqlAnswer<T>): T {
  if (answer.errors?.length || !answer.data) {
    throw new Error(`GraphQL answered ${answer.status}: ${JSON.stringify(answer.errors)}`);
  }
  return answer.data;
}
