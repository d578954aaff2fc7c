import { createHash } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { SimOptions } from '../config.ts';
import { ACCOUNT, nuvei, setup } from '../test-helpers.ts';

type Setup = Awaited<ReturnType<typeof setup>>;

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');
export const { merchantId, merchantSiteId, secretKey } = ACCOUNT.nuvei;
export const TS = '20300115120000';

/** A simulator (`setup()`) started before each test of the file and closed after it; `restart` replaces it with one of other options. */
export function simPerTest(): Pick<Setup, 'sim' | 'server' | 'hooks'> & {
  restart(options: SimOptions): Promise<void>;
} {
  let current: Setup | undefined;
  beforeEach(async () => {
    current = await setup();
  });
  afterEach(async () => {
    await current?.close();
  });
  const running = (): Setup => {
    if (!current) throw new Error('the simulator runs only inside a test');
    return current;
  };
  return {
    get sim() {
      return running().sim;
    },
    get server() {
      return running().server;
    },
    get hooks() {
      return running().hooks;
    },
    async restart(options) {
      await running().close();
      current = await setup(options);
    },
  };
}

/** A settleTransaction or voidTransaction in USD for the test account, its checksum written out by hand. */
export function nuveiRelated(
  base: string,
  method: 'settleTransaction' | 'voidTransaction',
  relatedTransactionId: string,
  amount: string,
  opts: { authCode?: string; clientUniqueId?: string; clientRequestId?: string } = {},
) {
  const { authCode, clientUniqueId, clientRequestId = `${method}-1` } = opts;
  return nuvei(base, method, {
    merchantId,
    merchantSiteId,
    clientRequestId,
    ...(clientUniqueId === undefined ? {} : { clientUniqueId }),
    amount,
    currency: 'USD',
    relatedTransactionId,
    ...(authCode === undefined ? {} : { authCode }),
    timeStamp: TS,
    checksum: sha(
      `${merchantId}${merchantSiteId}${clientRequestId}${clientUniqueId ?? ''}${amount}USD${relatedTransactionId}${authCode ?? ''}${TS}${secretKey}`,
    ),
  });
}

/** A getTransactionDetails by transactionId or clientUniqueId for the test account, signed with `key` (the account's by default). */
export function nuveiDetails(
  base: string,
  by: { transactionId?: string; clientUniqueId?: string },
  key = secretKey,
) {
  return nuvei(base, 'getTransactionDetails', {
    merchantId,
    merchantSiteId,
    ...by,
    timeStamp: TS,
    checksum: sha(
      `${merchantId}${merchantSiteId}${by.transactionId ?? ''}${by.clientUniqueId ?? ''}${TS}${key}`,
    ),
  });
}
