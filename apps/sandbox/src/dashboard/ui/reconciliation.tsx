import { call } from './api.ts';
import { useShared } from './context.tsx';
import { href, Mono, money, Show, Status, Table, Time, useLoad } from './lib.tsx';

const KIND_LABEL = {
  unknown_to_router: 'Unknown to the router',
  missing_at_provider: 'Missing at the provider',
  amount_differs: 'Amounts differ',
  moved_twice: 'Money moved twice',
} as const;

export function ReconciliationView({ query }: { query: URLSearchParams }) {
  const merchantId = query.get('merchantId') ?? undefined;
  const { overview, merchantName } = useShared();
  const [loaded, reload] = useLoad(
    () =>
      Promise.all([
        call('reconciliation', { query: { merchantId } }),
        call('transactions', { query: { merchantId, take: 100 } }),
        call('ledger'),
      ]),
    [merchantId],
  );
  return (
    <section aria-labelledby="reconciliation-title">
      <div className="title-row">
        <h1 id="reconciliation-title">Reconciliation</h1>
        <label className="inline">
          Merchant{' '}
          <select
            value={merchantId ?? ''}
            onChange={(event) => {
              window.location.hash = href('reconciliation', { merchantId: event.target.value });
            }}
          >
            <option value="">All merchants</option>
            {overview?.merchants.map((merchant) => (
              <option key={merchant.id} value={merchant.id}>
                {merchant.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={reload}>
          Check again
        </button>
      </div>
      <Show loaded={loaded}>
        {([report, transactions, ledger]) => {
          const badTransactions = new Set(report.mismatches.map((m) => m.transactionId));
          const badRefs = new Set(report.mismatches.map((m) => m.providerRef));
          return (
            <>
              {report.mismatches.length === 0 ? (
                <div className="banner good" role="status" data-reconciliation="consistent">
                  ✓ All consistent: {report.transactions} router transactions and{' '}
                  {report.ledgerEntries} ledger entries agree.
                </div>
              ) : (
                <div className="banner bad" role="status" data-reconciliation="mismatches">
                  ✗ {report.mismatches.length} mismatch{report.mismatches.length === 1 ? '' : 'es'}{' '}
                  between {report.transactions} router transactions and {report.ledgerEntries}{' '}
                  ledger entries.
                </div>
              )}
              {report.mismatches.length > 0 && (
                <Table
                  head={['Finding', 'Merchant', 'Transaction', 'Provider ref', 'Detail']}
                  empty=""
                >
                  {report.mismatches.map((m, index) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: findings have no id of their own.
                    <tr key={index} className="mismatch" data-mismatch={m.kind}>
                      <td>
                        <strong>{KIND_LABEL[m.kind]}</strong>
                      </td>
                      <td>{m.merchantId ? merchantName(m.merchantId) : '—'}</td>
                      <td>
                        <Mono>{m.transactionId ?? '—'}</Mono>
                      </td>
                      <td>
                        <Mono>{m.providerRef ?? '—'}</Mono>
                      </td>
                      <td>{m.detail}</td>
                    </tr>
                  ))}
                </Table>
              )}
              <div className="side-by-side">
                <div>
                  <h2>Router: transactions</h2>
                  <Table
                    head={['Created', 'Status', 'Action', 'Amount', 'Provider ref']}
                    empty="No transactions."
                  >
                    {transactions.data.map(({ transaction: t }) => (
                      <tr
                        key={t.id}
                        className={badTransactions.has(t.id) ? 'mismatch' : undefined}
                        title={t.id}
                      >
                        <td className="nowrap">
                          <Time iso={t.createdAt} />
                        </td>
                        <td>
                          <Status value={t.status} />
                        </td>
                        <td>{t.action}</td>
                        <td className="num">{money(t.amount, t.currency)}</td>
                        <td>
                          {t.sessionId ? (
                            <a href={href(`sessions/${t.sessionId}`)}>
                              <Mono>{t.providerCode ?? '—'}</Mono>
                            </a>
                          ) : (
                            <Mono>{t.providerCode ?? '—'}</Mono>
                          )}
                        </td>
                      </tr>
                    ))}
                  </Table>
                  {transactions.total > transactions.data.length && (
                    <p className="muted small">
                      The newest {transactions.data.length} of {transactions.total}.
                    </p>
                  )}
                </div>
                <div>
                  <h2>Simulator: ledger</h2>
                  <Table
                    head={['At', 'Kind', 'Amount', 'Provider', 'Provider ref']}
                    empty="No ledger entries."
                  >
                    {[...ledger.data].reverse().map((entry) => (
                      <tr
                        key={entry.id}
                        className={
                          badRefs.has(entry.providerRef) || badRefs.has(entry.relatedRef)
                            ? 'mismatch'
                            : undefined
                        }
                        title={entry.detail ?? undefined}
                      >
                        <td className="nowrap">
                          <Time iso={entry.at} />
                        </td>
                        <td>{entry.kind}</td>
                        <td className="num">{money(entry.amount, entry.currency.toUpperCase())}</td>
                        <td>{entry.provider}</td>
                        <td>
                          <Mono>{entry.providerRef}</Mono>
                        </td>
                      </tr>
                    ))}
                  </Table>
                </div>
              </div>
            </>
          );
        }}
      </Show>
    </section>
  );
}
