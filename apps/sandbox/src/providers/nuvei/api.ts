import { type ProviderTransport, readAnswer } from '../transport.ts';
import { requestChecksum, type SignedMethod, timeStamp } from './checksum.ts';
import type { NuveiCredentials } from './credentials.ts';
import { type Answer, answerSchema } from './schemas.ts';

export type NuveiMethod = SignedMethod | 'getPaymentStatus';

/**
 * Nuvei's REST API (`${api}/<method>.do`, JSON) over the shared transport: signs each call that
 * has a checksum with the merchant's ids, a timeStamp and the checksum; reads every answer.
 */
export function nuveiApi(transport: ProviderTransport, api: string, clock: { now(): number }) {
  return async function call(
    method: NuveiMethod,
    c: NuveiCredentials,
    fields: Record<string, unknown>,
  ): Promise<Answer> {
    let body: Record<string, unknown> = fields;
    if (method !== 'getPaymentStatus') {
      body = {
        merchantId: c.merchantId,
        merchantSiteId: c.merchantSiteId,
        ...fields,
        timeStamp: timeStamp(clock.now()),
      };
      body.checksum = requestChecksum(method, body, c.secretKey);
    }
    const what = `Nuvei ${method}.do`;
    const { status, json } = await transport.sendJson(what, {
      method: 'POST',
      url: `${api}/${method}.do`,
      body,
    });
    return readAnswer(what, status, json, answerSchema);
  };
}

/** A call Nuvei refused (status ERROR): a plain Error with its errCode and reason. */
export function refusedBy(method: NuveiMethod, answer: Answer): Error {
  return new Error(
    `Nuvei ${method}.do refused: errCode ${answer.errCode ?? '?'} ${answer.reason ?? ''}`,
  );
}
