import { type FormEvent, useState } from 'react';
import { call, type Ok } from './api.ts';
import { useShared } from './context.tsx';
import { ErrorBox, href, Mono, Table, Time, useAction, when } from './lib.tsx';

type Advance = Ok<'advanceClock'>;

const STEPS = [
  { by: '20m', label: '+20 min' },
  { by: '24h', label: '+24 h' },
  { by: '7d', label: '+7 days' },
] as const;

/** `2030-01-15T12:00` (a datetime-local value, read as UTC) as an ISO instant. */
function localToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  return new Date(`${value.length === 16 ? `${value}:00` : value}Z`).toISOString();
}

export function ClockView() {
  const { overview, refresh, merchantName } = useShared();
  const [to, setTo] = useState('');
  const [history, setHistory] = useState<Advance[]>([]);
  const advance = useAction(async (body: { by: string } | { to: string }) => {
    const result = await call('advanceClock', { body });
    setHistory((previous) => [result, ...previous]);
    refresh();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // What is not a time goes as typed: the sandbox's refusal names the field.
    void advance.run({ to: localToIso(to) ?? to });
  };
  const last = history[0];
  return (
    <section aria-labelledby="clock-title">
      <h1 id="clock-title">Clock</h1>
      <div className="clock-now">
        <span className="muted">Now</span>{' '}
        <strong data-clock-now={overview?.now}>{when(overview?.now)} UTC</strong>{' '}
        <span className="badge muted">{overview?.clockMode ?? '…'} clock</span>
      </div>
      {overview?.clockMode === 'system' && (
        <p className="muted">
          The sandbox runs on the system clock: it cannot be moved. Start it with a manual simulator
          clock to travel in time.
        </p>
      )}
      <div className="actions">
        {STEPS.map((step) => (
          <button
            key={step.by}
            type="button"
            disabled={advance.pending}
            onClick={() => void advance.run({ by: step.by })}
          >
            {step.label}
          </button>
        ))}
      </div>
      <form className="filters" onSubmit={submit}>
        <label>
          Move to (UTC)
          <input
            type="datetime-local"
            step={1}
            value={to}
            onChange={(event) => setTo(event.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={advance.pending}>
          Move the clock
        </button>
      </form>
      <ErrorBox error={advance.error} />
      {last && (
        <div className="result" data-advanced-to={last.now}>
          <h2>
            Moved from <Time iso={last.before} /> to <Time iso={last.now} />
          </h2>
          <p>
            {last.expired.length === 0
              ? 'Nothing expired because of it.'
              : `${last.expired.length} session${last.expired.length === 1 ? '' : 's'} expired because of it:`}
          </p>
          {last.expired.length > 0 && (
            <Table head={['Session', 'Merchant', 'Code', 'Expired at']} empty="">
              {last.expired.map((item) => (
                <tr key={item.sessionId} data-expired-session={item.sessionId}>
                  <td>
                    <a href={href(`sessions/${item.sessionId}`)}>
                      <Mono>{item.sessionId}</Mono>
                    </a>
                  </td>
                  <td>{merchantName(item.merchantId)}</td>
                  <td>
                    <Mono>{item.code ?? '—'}</Mono>
                  </td>
                  <td>
                    <Time iso={item.expiresAt} />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </div>
      )}
      {history.length > 1 && (
        <>
          <h2>Earlier moves</h2>
          <ul className="plain">
            {history.slice(1).map((item) => (
              <li key={`${item.before}-${item.now}`}>
                {when(item.before)} → {when(item.now)}: {item.expired.length} expired
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
