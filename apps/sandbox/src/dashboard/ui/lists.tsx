import {
  CLIENT_TRANSACTION_SESSION_STATUS,
  TRANSACTION_PROVIDER,
  TRANSACTION_STATUS,
} from '@accrupay/contracts';
import { type FormEvent, type ReactNode, useState } from 'react';
import { call } from './api.ts';
import { useShared } from './context.tsx';
import { href, Mono, money, Pager, Show, Status, Table, Time, useLoad } from './lib.tsx';

const TAKE = 50;

type Filters = {
  merchantId?: string;
  status?: string;
  provider?: string;
  code?: string;
  skip?: string;
};

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const key of ['merchantId', 'status', 'provider', 'code', 'skip'] as const) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

function FilterBar({
  view,
  filters,
  statuses,
}: {
  view: string;
  filters: Filters;
  statuses: readonly string[];
}) {
  const { overview } = useShared();
  const [code, setCode] = useState(filters.code ?? '');
  const go = (next: Filters) => {
    window.location.hash = href(view, { ...filters, ...next, skip: undefined });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go({ code: code.trim() || undefined });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filters">
      <label>
        Merchant
        <select
          value={filters.merchantId ?? ''}
          onChange={(event) => go({ merchantId: event.target.value || undefined })}
        >
          <option value="">All merchants</option>
          {overview?.merchants.map((merchant) => (
            <option key={merchant.id} value={merchant.id}>
              {merchant.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select
          value={filters.status ?? ''}
          onChange={(event) => go({ status: event.target.value || undefined })}
        >
          <option value="">Any status</option>
          {statuses.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Provider
        <select
          value={filters.provider ?? ''}
          onChange={(event) => go({ provider: event.target.value || undefined })}
        >
          <option value="">Any provider</option>
          {Object.values(TRANSACTION_PROVIDER).map((provider) => (
            <option key={provider}>{provider}</option>
          ))}
        </select>
      </label>
      <label>
        Code
        <input
          value={code}
          onChange={(event) => setCode(event.target.value)}
          placeholder="merchant internal code"
        />
      </label>
      <button type="submit">Filter</button>
      {(filters.merchantId || filters.status || filters.provider || filters.code) && (
        <a className="button secondary" href={href(view)} onClick={() => setCode('')}>
          Clear
        </a>
      )}
    </form>
  );
}

function listQuery(filters: Filters) {
  return {
    take: TAKE,
    skip: filters.skip,
    merchantId: filters.merchantId,
    status: filters.status,
    provider: filters.provider,
    code: filters.code,
  };
}

/** One list view: its filters in the address, a page of rows from the admin API, the pager. */
function ListView<Item>({
  query,
  view,
  title,
  statuses,
  load,
  head,
  empty,
  row,
}: {
  query: URLSearchParams;
  view: 'sessions' | 'transactions';
  title: string;
  statuses: string[];
  load: (query: ReturnType<typeof listQuery>) => Promise<{ data: Item[]; total: number }>;
  head: string[];
  empty: string;
  row: (item: Item, merchantName: (id: string) => string) => ReactNode;
}) {
  const filters = filtersOf(query);
  const { merchantName } = useShared();
  const [loaded] = useLoad(() => load(listQuery(filters)), [query.toString()]);
  return (
    <section aria-labelledby={`${view}-title`}>
      <h1 id={`${view}-title`}>{title}</h1>
      <FilterBar view={view} filters={filters} statuses={statuses} />
      <Show loaded={loaded}>
        {(page) => (
          <>
            <Table head={head} empty={empty}>
              {page.data.map((item) => row(item, merchantName))}
            </Table>
            <Pager
              skip={Number(filters.skip ?? 0)}
              take={TAKE}
              total={page.total}
              go={(skip) => {
                window.location.hash = href(view, { ...filters, skip: String(skip) });
              }}
            />
          </>
        )}
      </Show>
    </section>
  );
}

export function SessionsView({ query }: { query: URLSearchParams }) {
  return (
    <ListView
      query={query}
      view="sessions"
      title="Sessions"
      statuses={Object.values(CLIENT_TRANSACTION_SESSION_STATUS)}
      load={(listed) => call('sessions', { query: listed })}
      head={['Created', 'Status', 'Type', 'Amount', 'Provider', 'Code', 'Merchant', 'Session']}
      empty="No sessions match."
      row={({ merchantId, session }, merchantName) => (
        <tr key={session.id} data-session-id={session.id}>
          <td className="nowrap">
            <Time iso={session.createdAt} />
          </td>
          <td>
            <Status value={session.status} />
          </td>
          <td>{session.type}</td>
          <td className="num">{money(session.amount, session.currency)}</td>
          <td>{session.transactionProvider}</td>
          <td>
            <Mono>{session.merchantInternalTransactionCode}</Mono>
          </td>
          <td>{merchantName(merchantId)}</td>
          <td>
            <a href={href(`sessions/${session.id}`)}>
              <Mono title={session.id}>{session.id.slice(0, 8)}…</Mono>
            </a>
          </td>
        </tr>
      )}
    />
  );
}

export function TransactionsView({ query }: { query: URLSearchParams }) {
  return (
    <ListView
      query={query}
      view="transactions"
      title="Transactions"
      statuses={Object.values(TRANSACTION_STATUS)}
      load={(listed) => call('transactions', { query: listed })}
      head={[
        'Created',
        'Status',
        'Action',
        'Amount',
        'Provider',
        'Code',
        'Merchant',
        'Error',
        'Session',
      ]}
      empty="No transactions match."
      row={({ merchantId, transaction: t }, merchantName) => (
        <tr key={t.id} data-transaction-id={t.id}>
          <td className="nowrap">
            <Time iso={t.createdAt} />
          </td>
          <td>
            <Status value={t.status} />
          </td>
          <td>{t.action}</td>
          <td className="num">
            {money(t.amount, t.currency)}
            {t.refundedAmount !== null && (
              <div className="muted small">refunded {money(t.refundedAmount, t.currency)}</div>
            )}
          </td>
          <td>{t.transactionProvider}</td>
          <td>
            <Mono>{t.merchantInternalTransactionCode ?? '—'}</Mono>
          </td>
          <td>{merchantName(merchantId)}</td>
          <td className="small">{t.errorCode ? `${t.errorCode}: ${t.errorMessage ?? ''}` : ''}</td>
          <td>
            {t.sessionId ? (
              <a href={href(`sessions/${t.sessionId}`)}>
                <Mono title={t.sessionId}>{t.sessionId.slice(0, 8)}…</Mono>
              </a>
            ) : (
              '—'
            )}
          </td>
        </tr>
      )}
    />
  );
}
