import { provisionSimAccount } from '../sim-accounts.ts';
import { createTransport, type ProviderTransport } from '../transport.ts';
import { type AccrueApi, accrueApi } from './api.ts';
import { type AccrueCredentials, accrueSimSection } from './credentials.ts';

export type { AccrueAnswer, AccrueApi, AccrueRefusal } from './api.ts';
export {
  type AccrueCredentials,
  accrueCredentialsSchema,
  newAccrueCredentials,
} from './credentials.ts';
export type { AccrueCard, AccrueIntent, AccruePayment } from './schemas.ts';
export { accrueNotificationSchema } from './schemas.ts';
export {
  ACCRUE_SIGNATURE_HEADER,
  accrueSignature,
  verifyAccrueSignature,
} from './signature.ts';

/** Accrue Pay: its API and the registration of a merchant's account at the simulator. */
export interface AccrueClient {
  readonly api: AccrueApi;
  /** Registers the account, its notification URL and the merchant's origins at the simulator. */
  provision(
    c: AccrueCredentials,
    setup: { merchantPublicId: string; webhookUrl: string; allowedOrigins: string[] },
  ): Promise<void>;
  /** Where the hosted Accrue Pay page is. */
  readonly baseUrl: string;
}

export function createAccrueClient(options: {
  baseUrl: string;
  timeoutMs?: number;
  transport?: ProviderTransport;
}): AccrueClient {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const transport =
    options.transport ??
    createTransport(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  return {
    api: accrueApi(transport, baseUrl),
    baseUrl,
    provision: (c, setup) =>
      provisionSimAccount(transport, baseUrl, {
        label: 'Accrue Pay',
        accountId: c.accountId,
        section: accrueSimSection(c, setup),
        setup: { callbackUrl: setup.webhookUrl, allowedOrigins: setup.allowedOrigins },
      }),
  };
}
