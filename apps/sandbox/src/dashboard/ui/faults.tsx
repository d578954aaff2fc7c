import { type FormEvent, useState } from 'react';
import { call } from './api.ts';
import { ErrorBox, json, Mono, Show, Table, useAction, useLoad } from './lib.tsx';

/** The simulator's scenario kinds (packages/provider-sim/src/scenarios.ts) and their options. */
const KINDS = {
  drop_callback: { label: 'Drop the callback', options: [] },
  duplicate_callback: {
    label: 'Duplicate the callback',
    options: [{ name: 'copies', label: 'Copies', type: 'number', initial: '2' }],
  },
  concurrent_duplicates: {
    label: 'Concurrent duplicate callbacks',
    options: [{ name: 'copies', label: 'Copies', type: 'number', initial: '3' }],
  },
  delay_callback: {
    label: 'Delay the callback',
    options: [
      { name: 'delayMs', label: 'Delay (ms of clock time)', type: 'number', initial: '600000' },
    ],
  },
  out_of_order: {
    label: 'Reorder callbacks',
    options: [{ name: 'windowMs', label: 'Window (ms)', type: 'number', initial: '1000' }],
  },
  forged_callback: {
    label: 'Forge a callback',
    options: [
      {
        name: 'mode',
        label: 'Forgery',
        type: 'select',
        initial: 'bad_signature',
        choices: ['bad_signature', 'wrong_secret_success'],
      },
    ],
  },
  api_error: {
    label: 'Provider API 5xx',
    options: [
      {
        name: 'status',
        label: 'HTTP status',
        type: 'select',
        initial: '500',
        choices: ['500', '502', '503'],
      },
    ],
  },
  api_timeout: {
    label: 'Provider API timeout',
    options: [
      { name: 'holdMs', label: 'Hold (ms)', type: 'number', initial: '30000' },
      {
        name: 'applied',
        label: 'The provider still applies it',
        type: 'checkbox',
        initial: 'true',
      },
    ],
  },
  unmappable_status: {
    label: 'Unmappable status',
    options: [{ name: 'status', label: 'Status (blank: the default)', type: 'text', initial: '' }],
  },
} as const satisfies Record<string, { label: string; options: readonly Option[] }>;

interface Option {
  name: string;
  label: string;
  type: 'number' | 'text' | 'select' | 'checkbox';
  initial: string;
  choices?: readonly string[];
}

type Kind = keyof typeof KINDS;
type Target = 'all' | 'next' | 'session';

function initialOptions(kind: Kind): Record<string, string> {
  return Object.fromEntries(
    (KINDS[kind].options as readonly Option[]).map((option) => [option.name, option.initial]),
  );
}

function optionValue(option: Option, value: string): unknown {
  if (option.type === 'checkbox') return value === 'true';
  if (option.type === 'number' || option.name === 'status') {
    return /^\d+$/.test(value) ? Number(value) : value;
  }
  return value;
}

function OptionField({
  option,
  value,
  set,
}: {
  option: Option;
  value: string;
  set: (value: string) => void;
}) {
  if (option.type === 'checkbox') {
    return (
      <label className="check">
        <input
          type="checkbox"
          checked={value === 'true'}
          onChange={(event) => set(String(event.target.checked))}
        />
        {option.label}
      </label>
    );
  }
  if (option.type === 'select') {
    return (
      <label>
        {option.label}
        <select
          aria-label={option.label}
          value={value}
          onChange={(event) => set(event.target.value)}
        >
          {option.choices?.map((choice) => (
            <option key={choice}>{choice}</option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <label>
      {option.label}
      <input type={option.type} value={value} onChange={(event) => set(event.target.value)} />
    </label>
  );
}

function TargetCell({ target }: { target: unknown }) {
  if (target === undefined || target === 'all') return <>every session</>;
  const [entry] = target && typeof target === 'object' ? Object.entries(target) : [];
  if (entry && typeof entry[1] === 'string') {
    const [key, value] = entry;
    return (
      <span title={value}>
        {key === 'token' ? 'one session' : key}:{' '}
        <Mono>{value.length > 24 ? `${value.slice(0, 20)}…` : value}</Mono>
      </span>
    );
  }
  return <Mono>{JSON.stringify(target)}</Mono>;
}

export function FaultsView({ query }: { query: URLSearchParams }) {
  const presetSession = query.get('sessionId') ?? '';
  const [kind, setKind] = useState<Kind>('drop_callback');
  const [options, setOptions] = useState(() => initialOptions('drop_callback'));
  const [target, setTarget] = useState<Target>(presetSession ? 'session' : 'next');
  const [sessionId, setSessionId] = useState(presetSession);
  const [provider, setProvider] = useState('');
  const [times, setTimes] = useState('');
  const [armed, reload] = useLoad(() => call('scenarios'), []);
  const [lastArmed, setLastArmed] = useState<string | undefined>();

  const arm = useAction(async () => {
    const body: Record<string, unknown> = { kind };
    for (const option of KINDS[kind].options as readonly Option[]) {
      const value = options[option.name] ?? '';
      if (value === '' && option.type === 'text') continue;
      body[option.name] = optionValue(option, value);
    }
    if (provider) body.provider = provider;
    if (target === 'next') body.times = 1;
    if (target === 'session') body.sessionId = sessionId.trim();
    if (target !== 'next' && times) body.times = Number(times);
    const result = await call('armScenario', { body });
    setLastArmed(typeof result.id === 'string' ? result.id : json(result));
    reload();
  });
  const disarm = useAction(async (id: string) => {
    await call('disarmScenario', { params: { id }, body: {} });
    reload();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void arm.run();
  };

  return (
    <section aria-labelledby="faults-title">
      <h1 id="faults-title">Faults</h1>
      <p className="muted">
        Scenarios armed at the provider simulator: they act on its callbacks and API answers.
      </p>
      <form className="card form-grid" onSubmit={submit} aria-label="Arm a scenario">
        <label>
          Scenario
          <select
            aria-label="Scenario"
            value={kind}
            onChange={(event) => {
              const next = event.target.value as Kind;
              setKind(next);
              setOptions(initialOptions(next));
            }}
          >
            {(Object.keys(KINDS) as Kind[]).map((name) => (
              <option key={name} value={name}>
                {KINDS[name].label} ({name})
              </option>
            ))}
          </select>
        </label>
        {(KINDS[kind].options as readonly Option[]).map((option) => (
          <OptionField
            key={option.name}
            option={option}
            value={options[option.name] ?? ''}
            set={(value) => setOptions({ ...options, [option.name]: value })}
          />
        ))}
        <label>
          Provider
          <select value={provider} onChange={(event) => setProvider(event.target.value)}>
            <option value="">Any provider</option>
            <option value="stripe">stripe</option>
            <option value="nuvei">nuvei</option>
          </select>
        </label>
        <fieldset className="targets">
          <legend>Applies to</legend>
          <label className="check">
            <input
              type="radio"
              name="target"
              checked={target === 'next'}
              onChange={() => setTarget('next')}
            />
            The next session (once)
          </label>
          <label className="check">
            <input
              type="radio"
              name="target"
              checked={target === 'all'}
              onChange={() => setTarget('all')}
            />
            Every session
          </label>
          <label className="check">
            <input
              type="radio"
              name="target"
              checked={target === 'session'}
              onChange={() => setTarget('session')}
            />
            One session:
            <input
              aria-label="Session id"
              placeholder="session id"
              value={sessionId}
              onChange={(event) => {
                setSessionId(event.target.value);
                setTarget('session');
              }}
            />
          </label>
          {target !== 'next' && (
            <label>
              Times (blank: until disarmed)
              <input
                type="number"
                min={1}
                value={times}
                onChange={(event) => setTimes(event.target.value)}
              />
            </label>
          )}
        </fieldset>
        <div>
          <button type="submit" disabled={arm.pending}>
            Arm
          </button>
        </div>
      </form>
      <ErrorBox error={arm.error} />
      {lastArmed && !arm.error && (
        <p className="notice" role="status">
          Armed <Mono>{lastArmed}</Mono>.
        </p>
      )}

      <h2>Armed</h2>
      <ErrorBox error={disarm.error} />
      <Show loaded={armed}>
        {({ data }) => (
          <Table
            head={['Id', 'Kind', 'Applies to', 'Provider', 'Left', 'Used', 'Options', '']}
            empty="Nothing is armed."
          >
            {data.map((scenario, index) => {
              const {
                id,
                kind: armedKind,
                target: armedTarget,
                provider: armedProvider,
                remaining,
                used,
                times: _times,
                ...rest
              } = scenario;
              const key = typeof id === 'string' ? id : String(index);
              return (
                <tr key={key} data-scenario-id={key}>
                  <td>
                    <Mono>{key}</Mono>
                  </td>
                  <td>{String(armedKind)}</td>
                  <td>
                    <TargetCell target={armedTarget} />
                  </td>
                  <td>{armedProvider === undefined ? 'any' : String(armedProvider)}</td>
                  <td className="num">
                    {remaining === undefined || remaining === null ? '∞' : String(remaining)}
                  </td>
                  <td className="num">{used === undefined ? '—' : String(used)}</td>
                  <td className="small">
                    <Mono>{Object.keys(rest).length ? JSON.stringify(rest) : '—'}</Mono>
                  </td>
                  <td className="nowrap">
                    <button
                      type="button"
                      className="secondary small"
                      disabled={disarm.pending || typeof id !== 'string'}
                      onClick={() => typeof id === 'string' && void disarm.run(id)}
                    >
                      Disarm
                    </button>
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </Show>
    </section>
  );
}
