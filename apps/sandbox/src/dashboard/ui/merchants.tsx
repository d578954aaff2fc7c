import { type FormEvent, useState } from 'react';
import { type AdminMerchant, call } from './api.ts';
import { useShared } from './context.tsx';
import { ErrorBox, Mono, Table, Time, useAction } from './lib.tsx';

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);

function Origins({ merchant }: { merchant: AdminMerchant }) {
  const { refresh } = useShared();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const save = useAction(async () => {
    await call('setAllowedOrigins', {
      params: { id: merchant.id },
      body: { allowedOrigins: lines(text) },
    });
    setEditing(false);
    refresh();
  });
  if (!editing) {
    return (
      <div className="origins">
        {merchant.allowedOrigins.length ? (
          <ul className="plain">
            {merchant.allowedOrigins.map((origin) => (
              <li key={origin}>
                <Mono>{origin}</Mono>
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">none</span>
        )}
        <button
          type="button"
          className="secondary small"
          onClick={() => {
            setText(merchant.allowedOrigins.join('\n'));
            setEditing(true);
          }}
        >
          Edit
        </button>
      </div>
    );
  }
  return (
    <form
      className="origins-edit"
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <textarea
        aria-label={`Allowed origins of ${merchant.name}`}
        rows={Math.max(2, lines(text).length + 1)}
        value={text}
        onChange={(event) => setText(event.target.value)}
        placeholder="http://localhost:5173 (one per line)"
      />
      <ErrorBox error={save.error} />
      <div className="actions">
        <button type="submit" className="small" disabled={save.pending}>
          Save
        </button>
        <button type="button" className="secondary small" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CreateMerchant() {
  const { refresh } = useShared();
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [created, setCreated] = useState<{ merchant: AdminMerchant; apiSecret: string }>();
  const [copied, setCopied] = useState(false);
  const create = useAction(async () => {
    const result = await call('createMerchant', {
      body: { ...(name.trim() ? { name: name.trim() } : {}), allowedOrigins: lines(origins) },
    });
    setCreated(result);
    setCopied(false);
    setName('');
    setOrigins('');
    refresh();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.apiSecret);
      setCopied(true);
    } catch {
      const field = document.getElementById('new-secret') as HTMLInputElement | null;
      field?.select();
    }
  };
  return (
    <div className="card">
      <h2>Create a merchant</h2>
      <form className="filters" onSubmit={submit} aria-label="Create a merchant">
        <label>
          Name
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="Acme shop"
          />
        </label>
        <label className="grow">
          Allowed origins
          <input
            value={origins}
            onChange={(event) => setOrigins(event.target.value)}
            placeholder="http://localhost:5173, https://shop.test"
          />
        </label>
        <button type="submit" disabled={create.pending}>
          Create
        </button>
      </form>
      <ErrorBox error={create.error} />
      {created && (
        <div className="secret" role="status" data-new-merchant={created.merchant.id}>
          <p>
            <strong>{created.merchant.name}</strong> is created. Its API secret is shown this once:
            store it now.
          </p>
          <div className="secret-row">
            <input id="new-secret" aria-label="API secret" readOnly value={created.apiSecret} />
            <button type="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="secondary" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </div>
          <p className="small">
            Public id <Mono>{created.merchant.merchantPublicId}</Mono>
          </p>
        </div>
      )}
    </div>
  );
}

function Reset() {
  const { refresh } = useShared();
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState(false);
  const reset = useAction(async () => {
    await call('reset', { body: { confirm: true } });
    setAsking(false);
    setDone(true);
    refresh();
  });
  return (
    <div className="card danger-zone">
      <h2>Reset the sandbox's data</h2>
      <p>
        Deletes every session, transaction, payment method, event and delivery, and the simulator's
        ledger and scenarios. Merchants, their secrets and webhook endpoints stay.
      </p>
      {asking ? (
        <div className="actions" data-confirm="reset">
          <strong>Delete all of it?</strong>
          <button
            type="button"
            className="danger"
            disabled={reset.pending}
            onClick={() => void reset.run()}
          >
            Yes, delete every row
          </button>
          <button type="button" className="secondary" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="danger"
          onClick={() => {
            setDone(false);
            setAsking(true);
          }}
        >
          Reset…
        </button>
      )}
      <ErrorBox error={reset.error} />
      {done && (
        <p className="notice" role="status">
          The sandbox's data is reset.
        </p>
      )}
    </div>
  );
}

export function MerchantsView() {
  const { overview } = useShared();
  return (
    <section aria-labelledby="merchants-title">
      <h1 id="merchants-title">Merchants</h1>
      {overview ? (
        <Table
          head={['Name', 'Public id', 'Secret', 'Providers', 'Allowed origins', 'Created']}
          empty="No merchants yet."
        >
          {overview.merchants.map((merchant) => (
            <tr key={merchant.id} data-merchant-id={merchant.id}>
              <td>
                <strong>{merchant.name}</strong>
                <div className="muted small">
                  <Mono>{merchant.id}</Mono>
                </div>
              </td>
              <td>
                <Mono>{merchant.merchantPublicId}</Mono>
              </td>
              <td>
                <Mono>sk_test_…{merchant.secretLast4}</Mono>
              </td>
              <td>
                <ul className="plain">
                  {merchant.providers.map((provider) => (
                    <li key={provider.id}>
                      {provider.transactionProvider} <Mono>{provider.id}</Mono>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <Origins merchant={merchant} />
              </td>
              <td className="nowrap">
                <Time iso={merchant.createdAt} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <p className="muted">Loading…</p>
      )}
      <CreateMerchant />
      <Reset />
    </section>
  );
}
