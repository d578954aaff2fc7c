import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError } from './api.ts';

/** The page's route from the hash: `#/sessions/abc?status=DECLINED` is `['sessions', 'abc']` and its query. */
export interface Route {
  segments: string[];
  query: URLSearchParams;
}

function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  return {
    segments: path.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The hash link of a view, dropping empty query values. */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) search.set(key, value);
  return `#/${path}${search.size ? `?${search}` : ''}`;
}

export type Loaded<T> =
  | { state: 'loading'; data?: T | undefined }
  | { state: 'ok'; data: T }
  | { state: 'error'; error: string; data?: T | undefined };

/** Loads with `load` whenever a key changes; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]) {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's keys say when to load again.
  useEffect(() => {
    let current = true;
    setValue((previous) => ({ state: 'loading', data: previous.data }));
    load().then(
      (data) => current && setValue({ state: 'ok', data }),
      (error: unknown) =>
        current &&
        setValue((previous) => ({ state: 'error', error: message(error), data: previous.data })),
    );
    return () => {
      current = false;
    };
  }, [...keys, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return [value, reload] as const;
}

/** Runs an action, keeping its pending state and its error for the page to show. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async (...args: A): Promise<T | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      return await action(...args);
    } catch (caught) {
      setError(message(caught));
      return undefined;
    } finally {
      setPending(false);
    }
  };
  return { run, pending, error, clearError: () => setError(undefined) };
}

export function message(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error}
    </div>
  );
}

/** A loading line, the error, or the content. */
export function Show<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
}) {
  return (
    <>
      {loaded.state === 'error' && <ErrorBox error={loaded.error} />}
      {loaded.state === 'loading' && loaded.data === undefined && <p className="muted">Loading…</p>}
      {loaded.data !== undefined && children(loaded.data)}
    </>
  );
}

const STATUS_TONE: Record<string, string> = {
  COMPLETED: 'good',
  SUCCEEDED: 'good',
  ACTIVE: 'info',
  PENDING: 'info',
  STARTED: 'info',
  DECLINED: 'bad',
  FAILED: 'bad',
  ERROR: 'bad',
  CANCELED: 'muted',
  EXPIRED: 'warn',
  UNKNOWN: 'warn',
  REFUNDED: 'muted',
  PARTIALLY_REFUNDED: 'muted',
};

export function Status({ value }: { value: string }) {
  return <span className={`badge ${STATUS_TONE[value] ?? 'muted'}`}>{value}</span>;
}

/** Minor units as a decimal amount: 2500 USD is "25.00 USD" (zero-decimal currencies aside). */
export function money(amount: bigint | number | null, currency: string): string {
  if (amount === null) return '—';
  const minor = BigInt(amount);
  const zeroDecimal = ['JPY', 'KRW', 'CLP', 'VND', 'ISK', 'UGX'].includes(currency);
  if (zeroDecimal) return `${minor} ${currency}`;
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${abs / 100n}.${cents} ${currency}`;
}

/** An ISO instant as `2030-01-15 12:00:00` in UTC, the sandbox clock's zone. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace('Z', '');
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return <time dateTime={iso ?? undefined}>{when(iso)}</time>;
}

export function Mono({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <code className="mono" title={title}>
      {children}
    </code>
  );
}

/** JSON with bigints as strings. */
export function json(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item) => (typeof item === 'bigint' ? item.toString() : item),
    2,
  );
}

export function Table({
  head,
  children,
  empty,
}: {
  head: string[];
  children: ReactNode[];
  empty: string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {head.map((cell) => (
              <th key={cell}>{cell}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {children.length ? (
            children
          ) : (
            <tr>
              <td colSpan={head.length} className="empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / next over an offset page. */
export function Pager({
  skip,
  take,
  total,
  go,
}: {
  skip: number;
  take: number;
  total: number;
  go: (skip: number) => void;
}) {
  if (total <= take && skip === 0) return <p className="muted small">{total} in all</p>;
  return (
    <div className="pager">
      <button type="button" disabled={skip === 0} onClick={() => go(Math.max(0, skip - take))}>
        ← Newer
      </button>
      <span className="muted small">
        {total === 0 ? 0 : skip + 1}–{Math.min(total, skip + take)} of {total}
      </span>
      <button type="button" disabled={skip + take >= total} onClick={() => go(skip + take)}>
        Older →
      </button>
    </div>
  );
}
