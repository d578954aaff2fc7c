import type { MerchantAccount } from '../config.ts';
import { randomNumeric } from '../ids.ts';
import { NUVEI_CHECKSUM_FIELDS, nuveiRequestChecksum, safeEqualHex } from '../signatures.ts';
import { NuveiApiError, type NuveiState } from './state.ts';

export type NuveiMethod = keyof typeof NUVEI_CHECKSUM_FIELDS;

/** The account of a request's merchantId and merchantSiteId (1013 and 1022 otherwise). */
function accountOf(
  s: NuveiState,
  body: { merchantId: string; merchantSiteId: string },
): MerchantAccount {
  const byMerchant = s.core.findAccount((a) => a.nuvei?.merchantId === body.merchantId);
  if (!byMerchant) throw new NuveiApiError(1013, 'Invalid merchant ID');
  if (byMerchant.nuvei?.merchantSiteId !== body.merchantSiteId) {
    throw new NuveiApiError(1022, 'Invalid merchant site ID');
  }
  return byMerchant;
}

/** The account of a signed request whose checksum matches its secret key (1001 otherwise, naming the field order). */
export function verifiedAccount(
  s: NuveiState,
  method: NuveiMethod,
  body: Record<string, unknown> & { merchantId: string; merchantSiteId: string; checksum: string },
): MerchantAccount {
  const account = accountOf(s, body);
  const expected = nuveiRequestChecksum(method, body, account.nuvei?.secretKey ?? '');
  if (!safeEqualHex(expected, body.checksum.toLowerCase())) {
    throw new NuveiApiError(
      1001,
      `Invalid checksum: expected sha256(${NUVEI_CHECKSUM_FIELDS[method].join(' + ')} + merchantSecretKey)`,
    );
  }
  return account;
}

/** The fields every successful Nuvei answer carries. */
export function envelope(account: MerchantAccount, clientRequestId?: string) {
  return {
    internalRequestId: Number(randomNumeric(9)),
    status: 'SUCCESS' as const,
    errCode: 0,
    reason: '',
    merchantId: account.nuvei?.merchantId,
    merchantSiteId: account.nuvei?.merchantSiteId,
    version: '1.0',
    ...(clientRequestId ? { clientRequestId } : {}),
  };
}
