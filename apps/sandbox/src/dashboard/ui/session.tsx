import { call } from './api.ts';
import { useShared } from './context.tsx';
import { href, json, Mono, money, Show, Status, Table, Time, useLoad } from './lib.tsx';

export function SessionView({ id }: { id: string }) {
  const { merchantName } = useShared();
  const [loaded, reload] = useLoad(() => call('session', { params: { id } }), [id]);
  return (
    <section aria-labelledby="session-title">
      <p className="crumbs">
        <a href={href('sessions')}>← Sessions</a>
      </p>
      <Show loaded={loaded}>
        {({ merchantId, session, timeline, ledger }) => (
          <>
            <div className="title-row">
              <h1 id="session-title">
                Session <Mono>{session.id}</Mono>
              </h1>
              <Status value={session.status} />
              <button type="button" className="secondary" onClick={reload}>
                Refresh
              </button>
              <a className="button secondary" href={href('faults', { sessionId: session.id })}>
                Arm a fault for it
              </a>
            </div>
            <dl className="facts">
              <dt>Merchant</dt>
              <dd>{merchantName(merchantId)}</dd>
              <dt>Type</dt>
              <dd>
                {session.type} ({session.kind}, {session.action})
              </dd>
              <dt>Amount</dt>
              <dd>{money(session.amount, session.currency)}</dd>
              <dt>Provider</dt>
              <dd>
                {session.transactionProvider} <Mono>{session.merchantTransactionProviderId}</Mono>
              </dd>
              <dt>Code</dt>
              <dd>
                <Mono>{session.merchantInternalTransactionCode}</Mono>
              </dd>
              <dt>Provider ref</dt>
              <dd>
                <Mono>{session.providerCode ?? '—'}</Mono>
              </dd>
              <dt>Created</dt>
              <dd>
                <Time iso={session.createdAt} />
              </dd>
              <dt>Expires</dt>
              <dd>
                <Time iso={session.expiresAt} />
              </dd>
            </dl>

            <h2>Timeline</h2>
            {timeline.length === 0 ? (
              <p className="muted">Nothing recorded.</p>
            ) : (
              <ol className="timeline" aria-label="Timeline">
                {timeline.map((entry, index) => (
                  <li
                    // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id; the list only grows.
                    key={index}
                    className={`tl-${entry.kind}`}
                    data-kind={entry.kind}
                  >
                    <span className="tl-time">
                      <Time iso={entry.at} />
                    </span>
                    <span className={`tl-kind kind-${entry.kind}`}>{entry.kind}</span>
                    <span className="tl-body">
                      <strong>{entry.title}</strong>
                      {entry.detail && <span className="tl-detail">{entry.detail}</span>}
                    </span>
                  </li>
                ))}
              </ol>
            )}

            <h2>Transactions</h2>
            <Table
              head={['Created', 'Status', 'Action', 'Amount', 'Provider ref', 'Error', 'Id']}
              empty="No transactions yet."
            >
              {session.transactions.map((t) => (
                <tr key={t.id}>
                  <td className="nowrap">
                    <Time iso={t.createdAt} />
                  </td>
                  <td>
                    <Status value={t.status} />
                  </td>
                  <td>{t.action}</td>
                  <td className="num">{money(t.amount, t.currency)}</td>
                  <td>
                    <Mono>{t.providerCode ?? '—'}</Mono>
                  </td>
                  <td className="small">
                    {t.errorCode ? `${t.errorCode}: ${t.errorMessage ?? ''}` : ''}
                  </td>
                  <td>
                    <Mono title={t.id}>{t.id.slice(0, 12)}…</Mono>
                  </td>
                </tr>
              ))}
            </Table>

            <h2>Simulator ledger</h2>
            <Table
              head={['At', 'Kind', 'Amount', 'Provider', 'Provider ref', 'Detail']}
              empty="The simulator moved no money for this session."
            >
              {ledger.map((entry) => (
                <tr key={entry.id} data-ledger-id={entry.id}>
                  <td className="nowrap">
                    <Time iso={entry.at} />
                  </td>
                  <td>{entry.kind}</td>
                  <td className="num">{money(entry.amount, entry.currency)}</td>
                  <td>{entry.provider}</td>
                  <td>
                    <Mono>{entry.providerRef}</Mono>
                  </td>
                  <td className="small">{entry.detail ?? ''}</td>
                </tr>
              ))}
            </Table>

            <details className="json">
              <summary>The session's JSON</summary>
              <pre>{json(session)}</pre>
            </details>
          </>
        )}
      </Show>
    </section>
  );
}
