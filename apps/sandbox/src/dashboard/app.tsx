import { useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import './app.css';
import { call } from './ui/api.ts';
import { ClockView } from './ui/clock.tsx';
import { type Shared, SharedContext } from './ui/context.tsx';
import { FaultsView } from './ui/faults.tsx';
import { ErrorBox, href, useLoad, useRoute, when } from './ui/lib.tsx';
import { SessionsView, TransactionsView } from './ui/lists.tsx';
import { MerchantsView } from './ui/merchants.tsx';
import { ReconciliationView } from './ui/reconciliation.tsx';
import { SessionView } from './ui/session.tsx';

const VIEWS = [
  { path: 'sessions', label: 'Sessions' },
  { path: 'transactions', label: 'Transactions' },
  { path: 'reconciliation', label: 'Reconciliation' },
  { path: 'clock', label: 'Clock' },
  { path: 'faults', label: 'Faults' },
  { path: 'merchants', label: 'Merchants' },
] as const;

function View() {
  const { segments, query } = useRoute();
  const [view = 'sessions', id] = segments;
  const key = `${segments.join('/')}?${query}`;
  switch (view) {
    case 'sessions':
      return id ? <SessionView id={id} /> : <SessionsView key={key} query={query} />;
    case 'transactions':
      return <TransactionsView key={key} query={query} />;
    case 'reconciliation':
      return <ReconciliationView query={query} />;
    case 'clock':
      return <ClockView />;
    case 'faults':
      return <FaultsView key={key} query={query} />;
    case 'merchants':
      return <MerchantsView />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no view <code>#/{segments.join('/')}</code>.{' '}
            <a href={href('sessions')}>Sessions</a>
          </p>
        </section>
      );
  }
}

function App() {
  const [overview, refresh] = useLoad(() => call('overview'), []);
  const { segments } = useRoute();
  const current = segments[0] ?? 'sessions';
  const shared = useMemo<Shared>(
    () => ({ overview: overview.data, refresh }),
    [overview.data, refresh],
  );
  return (
    <SharedContext.Provider value={shared}>
      <header className="top">
        <a className="brand" href={href('sessions')}>
          AccruPay sandbox
        </a>
        <nav aria-label="Views">
          {VIEWS.map((view) => (
            <a
              key={view.path}
              href={href(view.path)}
              aria-current={current === view.path ? 'page' : undefined}
            >
              {view.label}
            </a>
          ))}
        </nav>
        <a className="now" href={href('clock')} title="The sandbox clock (UTC)">
          {overview.data ? `${when(overview.data.now)} UTC` : '…'}
        </a>
      </header>
      <main>
        {overview.state === 'error' && <ErrorBox error={overview.error} />}
        <View />
      </main>
    </SharedContext.Provider>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('the dashboard page has no #root element');
if (!window.location.hash) window.location.replace('#/sessions');
createRoot(root).render(<App />);
