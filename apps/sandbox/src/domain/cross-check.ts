import type { ProviderSubject } from '../providers/types.ts';
import type { SessionRow } from '../store/store.ts';

/**
 * What in the provider's object does not match the session it was looked up for, or undefined
 * when everything it echoes back matches: amount, currency and its back-reference to this
 * session. An object that matches nothing it reports is not trusted either: the router never
 * records an outcome it cannot tie to the session.
 */
export function subjectMismatch(
  session: Pick<SessionRow, 'id' | 'amount' | 'currency' | 'merchant_internal_transaction_code'>,
  subject: ProviderSubject | undefined,
): string | undefined {
  if (subject === undefined) return undefined;
  const problems: string[] = [];
  if (subject.amount !== undefined) {
    const expected = BigInt(session.amount ?? '0');
    const reported = subject.amount ?? 0n;
    if (reported !== expected) problems.push(`amount ${reported} (the session's is ${expected})`);
  }
  if (subject.currency !== undefined && subject.currency !== session.currency) {
    problems.push(`currency ${subject.currency} (the session's is ${session.currency})`);
  }
  if (subject.sessionId !== undefined && subject.sessionId !== session.id) {
    problems.push(`it was created for session ${subject.sessionId}, not ${session.id}`);
  }
  if (
    subject.merchantInternalTransactionCode !== undefined &&
    subject.merchantInternalTransactionCode !== session.merchant_internal_transaction_code
  ) {
    problems.push(
      `it was created for merchantInternalTransactionCode ${subject.merchantInternalTransactionCode}, not ${session.merchant_internal_transaction_code}`,
    );
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}
