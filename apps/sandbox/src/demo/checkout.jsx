// The demo shop's page: what a merchant's checkout does with @accrupay/react.
// The card is typed into the provider's fields (an iframe of the provider's origin); this page
// never sees it. The form's callbacks only ask the backend to verify: the order is confirmed
// when the backend's verify() says SUCCEEDED, never because the browser said so.
// Once paid, the order page has a "Merchant view" section to refund it: this local demo has no
// merchant login, so the customer's page and the merchant's back office are one page here.
// The order page also lists the webhooks AccruPay sent the backend about the order, and what
// verify() said about each success they claimed (it reads the order again every few seconds).
// Beside the card form, "Pay with Accrue Pay" (<AccruePayButton>) opens Accrue's hosted checkout;
// the Payment Intent id it reports goes to the backend, which authorizes it and confirms the order
// only once payments.get() says succeeded or settled.
import { AccruePayButton, AccruPayProvider, PaymentForm, useAccruPay } from '@accrupay/react';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

const config = JSON.parse(document.getElementById('demo-config').textContent);

const ITEMS = [
  { amount: '999', name: 'Sticker pack', price: '$9.99' },
  { amount: '2500', name: 'T-shirt', price: '$25.00' },
  { amount: '12000', name: 'Hoodie', price: '$120.00' },
];

const ORDER_STATUS = {
  AWAITING_PAYMENT: 'Awaiting payment',
  CONFIRMED: 'Confirmed: the backend verified the payment',
  PAYMENT_FAILED: 'Payment failed',
  EXPIRED: 'Payment session expired',
  REFUND_PENDING: 'Refund pending at the provider: do not ship',
  PARTIALLY_REFUNDED: 'Partially refunded',
  REFUNDED: 'Refunded in full: nothing to ship',
};

/** The statuses of a paid order: no payment form any more, and the merchant may refund. */
const PAID = ['CONFIRMED', 'REFUND_PENDING', 'PARTIALLY_REFUNDED', 'REFUNDED'];

/** What Accrue says of an Accrue Pay payment, in words. */
const ACCRUE_STATUS = {
  authorized: 'authorized: Accrue is capturing it',
  requires_capture: 'authorized, waiting for capture',
  captured: 'captured',
  processing: 'processing: the bank transfer takes a few days',
  succeeded: 'succeeded',
  settled: 'settled: the funds reached the shop',
  canceled: 'canceled',
  failed: 'failed',
};

/** How often the order page reads its order again, to show the webhooks as they arrive. */
const REFRESH_MS = 1500;

/** What the backend did with a webhook, in words: a success claim is only a reason to ask verify(). */
const WEBHOOK_CHECK = {
  VERIFYING: () => 'asking verify()...',
  PAID: (hook) => `yes: verify() said ${hook.verifyStatus}, so the order is paid`,
  NOT_PAID: (hook) => `no: verify() said ${hook.verifyStatus ?? 'not paid'}; nothing fulfilled`,
  ALREADY_PAID: () => 'not needed: verify() had already confirmed the order',
  NOT_CHECKED: () => 'not a payment success: shown, not acted on',
  VERIFY_FAILED: (hook) => `verify() failed (${hook.error}): "Check payment status" asks again`,
};

/** Cents (a decimal string) as dollars: "1050" is "$10.50". */
function dollars(cents) {
  const value = BigInt(cents);
  return `$${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`;
}

/** Dollars as typed ("10", "10.5", "10.50") to cents as a decimal string; null when unreadable. */
function toCents(typed) {
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(typed);
  if (!match) return null;
  return (BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))).toString();
}

async function api(path, method = 'GET', body = undefined) {
  const response = await fetch(`${config.apiPath}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

function Shop() {
  const [order, setOrder] = useState(null);
  const [amount, setAmount] = useState('2500');
  const [provider, setProvider] = useState('STRIPE');
  const [error, setError] = useState(null);
  const [endpoint, setEndpoint] = useState(null);

  // ?order=<id> resumes an order (after a reload, or from a link).
  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get('order');
    if (id) api(`/orders/${encodeURIComponent(id)}`).then(setOrder, (e) => setError(e.message));
    api('/webhooks').then(setEndpoint, (e) => setEndpoint({ error: e.message }));
  }, []);

  // The webhooks arrive at the backend, not here: read the order again while it is shown. An
  // Accrue Pay payment still on its way is asked about (the backend calls payments.get()).
  const orderId = order?.id;
  const accruePending = Boolean(order?.accrue?.paymentId) && order?.status === 'AWAITING_PAYMENT';
  useEffect(() => {
    if (!orderId) return undefined;
    const timer = setInterval(() => {
      const path = `/orders/${encodeURIComponent(orderId)}`;
      (accruePending ? api(`${path}/confirm`, 'POST') : api(path)).then(
        (fresh) => setOrder((shown) => (shown?.id === fresh.id ? fresh : shown)),
        () => undefined,
      );
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [orderId, accruePending]);

  async function checkout(event) {
    event.preventDefault();
    setError(null);
    try {
      const created = await api('/orders', 'POST', { amount, provider });
      window.history.replaceState(null, '', `?order=${created.id}`);
      setOrder(created);
    } catch (e) {
      setError(e.message);
    }
  }

  // Every callback of the payment form lands here: it asks the backend, which calls verify().
  function confirm() {
    return api(`/orders/${order.id}/confirm`, 'POST').then(setOrder, (e) => setError(e.message));
  }

  // The Accrue Pay button's report (informational): the backend authorizes the intent and asks
  // Accrue whether the payment succeeded.
  function payWithAccrue(paymentIntentId) {
    setError(null);
    return api(`/orders/${order.id}/accrue-pay`, 'POST', { paymentIntentId }).then(setOrder, (e) =>
      setError(e.message),
    );
  }

  function startOver() {
    window.history.replaceState(null, '', window.location.pathname);
    setOrder(null);
  }

  return (
    <>
      <h1>AccruPay demo shop</h1>
      <p className="hint">
        Sandbox test cards: <code>4242 4242 4242 4242</code> (Stripe) or{' '}
        <code>4761 3441 3614 1390</code> (Nuvei) pay; <code>4000 0000 0000 0002</code> declines;{' '}
        <code>4000 0000 0000 3220</code> (Stripe) or <code>4000 0278 9138 0961</code> (Nuvei) ask
        for 3-D Secure. Any future expiry, any CVC. Accrue Pay: sign in with{' '}
        <code>+1 555 010 0000</code> and the code <code>000000</code> (<code>+1 555 010 0001</code>{' '}
        has $5.00 in its wallet).
      </p>
      {error ? <p role="alert">{error}</p> : null}
      {order ? (
        <>
          <OrderSummary order={order} />
          {!PAID.includes(order.status) && !order.accrue ? (
            <AccruPayProvider merchantPublicId={config.merchantPublicId} baseUrl={config.baseUrl}>
              <PaymentForm
                sessionId={order.sessionId}
                onSuccess={confirm}
                onError={confirm}
                onExpired={confirm}
              />
              <FormStatus />
              <section className="accrue" aria-labelledby="accrue-pay">
                <h2 id="accrue-pay">Or pay from your Accrue wallet or bank</h2>
                <AccruePayButton
                  amount={order.amount}
                  currency={order.currency}
                  onPaymentIntent={payWithAccrue}
                />
              </section>
            </AccruPayProvider>
          ) : null}
          <p>
            <button type="button" className="secondary" onClick={confirm}>
              Check payment status
            </button>{' '}
            <button type="button" className="secondary" onClick={startOver}>
              New order
            </button>
          </p>
          <WebhookLog order={order} endpoint={endpoint} />
          {PAID.includes(order.status) && order.transactionId ? (
            <MerchantView order={order} onOrder={setOrder} />
          ) : null}
        </>
      ) : (
        <form onSubmit={checkout}>
          <fieldset>
            <legend>What are you buying?</legend>
            {ITEMS.map((item) => (
              <label className="choice" key={item.amount}>
                <input
                  type="radio"
                  name="amount"
                  value={item.amount}
                  checked={amount === item.amount}
                  onChange={() => setAmount(item.amount)}
                />{' '}
                {item.name} <strong>{item.price}</strong>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Provider</legend>
            {['STRIPE', 'NUVEI'].map((name) => (
              <label className="choice" key={name}>
                <input
                  type="radio"
                  name="provider"
                  value={name}
                  checked={provider === name}
                  onChange={() => setProvider(name)}
                />{' '}
                {name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Checkout</button>
        </form>
      )}
    </>
  );
}

function OrderSummary({ order }) {
  const item = ITEMS.find((candidate) => candidate.amount === order.amount);
  return (
    <section className="order" data-status={order.status}>
      <div>
        Order <code>{order.id}</code>: {item?.name} {item?.price} via{' '}
        {order.accrue ? 'Accrue Pay' : order.provider}
      </div>
      <strong data-order-status={order.status}>{ORDER_STATUS[order.status]}</strong>
      {order.transactionStatus ? (
        <div className="hint">verify() said: {order.transactionStatus}</div>
      ) : null}
      {order.accrue?.status ? (
        <div className="hint" data-accrue-status={order.accrue.status}>
          payments.get() said: {ACCRUE_STATUS[order.accrue.status] ?? order.accrue.status}
          {order.accrue.failureCode ? ` (${order.accrue.failureCode})` : ''}
        </div>
      ) : null}
      {order.fulfilledVia ? (
        <div className="hint" data-fulfilled-via={order.fulfilledVia}>
          Fulfilled once, after verify() asked by{' '}
          {order.fulfilledVia === 'webhook' ? 'a webhook' : 'the page'}
        </div>
      ) : null}
      {order.refundedAmount !== '0' ? (
        <div data-order-refunded={order.refundedAmount}>
          Refunded: {dollars(order.refundedAmount)} of {dollars(order.amount)}
        </div>
      ) : null}
    </section>
  );
}

/** The time of day of an ISO instant, as this browser shows it. */
function timeOf(iso) {
  return new Date(iso).toLocaleTimeString();
}

/**
 * The webhooks AccruPay sent the backend about this order, oldest first: each was checked on its
 * signature, and a success it claims was answered by asking verify().
 */
function WebhookLog({ order, endpoint }) {
  return (
    <section className="webhooks" aria-labelledby="webhook-log">
      <h2 id="webhook-log">Webhooks received</h2>
      <p className="hint">
        {endpoint?.url ? (
          <>
            AccruPay signs each event and posts it to <code>{endpoint.url}</code>. A webhook is a
            hint: the backend fulfils only once verify() says SUCCEEDED.
          </>
        ) : (
          <>The backend has no webhook endpoint{endpoint?.error ? `: ${endpoint.error}` : ''}.</>
        )}
      </p>
      {order.webhooks.length === 0 ? (
        <p className="hint" data-webhooks="none">
          None yet.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Received</th>
              <th>Event</th>
              <th>Claims</th>
              <th>Verified by verify()?</th>
            </tr>
          </thead>
          <tbody>
            {order.webhooks.map((hook) => (
              <tr key={hook.id} data-webhook-type={hook.type} data-webhook-check={hook.check}>
                <td>{timeOf(hook.receivedAt)}</td>
                <td>
                  <code>{hook.type}</code>
                  <br />
                  <code className="hint">{hook.id}</code>
                  {hook.deliveries > 1 ? ` (received ${hook.deliveries} times)` : ''}
                </td>
                <td>{hook.claimedStatus}</td>
                <td>{WEBHOOK_CHECK[hook.check]?.(hook) ?? hook.check}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** What a refund's answer says, in a sentence. */
function refundOutcome(refund) {
  const amount = dollars(refund.amount);
  if (refund.status === 'SUCCEEDED') return `Refunded ${amount}.`;
  if (['PENDING', 'STARTED', 'UNKNOWN'].includes(refund.status)) {
    return `The refund of ${amount} is pending at the provider (${refund.status}): press "Check payment status" later.`;
  }
  return `The refund of ${amount} ${refund.status}${refund.errorMessage ? `: ${refund.errorMessage}` : ''}.`;
}

/**
 * The merchant's side of the order: refund it in full or in part. The backend calls
 * transactions.refund() with the payment verify() returned; every answer, refusals included,
 * carries the order as the backend now knows it.
 */
function MerchantView({ order, onOrder }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const remaining = (BigInt(order.amount) - BigInt(order.refundedAmount)).toString();

  async function refund(amount) {
    setBusy(true);
    setResult(null);
    try {
      const response = await fetch(`${config.apiPath}/orders/${order.id}/refund`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(amount === undefined ? {} : { amount }),
      });
      const answer = await response.json();
      if (answer.order) onOrder(answer.order);
      if (response.ok) setResult({ text: refundOutcome(answer.refund) });
      else setResult({ error: answer.error ?? `HTTP ${response.status}` });
    } catch (e) {
      setResult({ error: e.message });
    } finally {
      setBusy(false);
    }
  }

  function partial(event) {
    event.preventDefault();
    const cents = toCents(typed);
    if (cents === null) {
      setResult({ error: 'Type the amount to refund in dollars, such as 5 or 5.50.' });
      return;
    }
    refund(cents);
  }

  return (
    <section className="merchant" aria-labelledby="merchant-view">
      <h2 id="merchant-view">Merchant view</h2>
      <p className="hint">
        What the shop's staff would see in its back office, behind its own login; this local demo
        shows it on the order page.
      </p>
      <div data-refunded-amount={order.refundedAmount}>
        Refunded so far: <strong>{dollars(order.refundedAmount)}</strong> of {dollars(order.amount)}
      </div>
      {order.refunds.length > 0 ? (
        <ul className="refunds">
          {order.refunds.map((one) => (
            <li key={one.id} data-refund-status={one.status}>
              {dollars(one.amount)}: {one.status} <code>{one.id}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {order.status === 'REFUNDED' ? (
        <p data-refund-controls="none">Refunded in full: nothing left to refund.</p>
      ) : (
        <div data-refund-controls="open">
          <p>
            <button type="button" disabled={busy} onClick={() => refund(undefined)}>
              Refund in full ({dollars(remaining)})
            </button>
          </p>
          <form onSubmit={partial}>
            <label>
              Partial refund (USD){' '}
              <input
                name="refund-amount"
                inputMode="decimal"
                placeholder="5.00"
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
              />
            </label>{' '}
            <button type="submit" disabled={busy}>
              Refund amount
            </button>
          </form>
        </div>
      )}
      {result?.text ? (
        <p role="status" data-refund-result="ok">
          {result.text}
        </p>
      ) : null}
      {result?.error ? (
        <p role="alert" data-refund-result="refused">
          {result.error}
        </p>
      ) : null}
    </section>
  );
}

function FormStatus() {
  const { status } = useAccruPay();
  return (
    <p className="hint" data-form-status={status}>
      Card form: {status}
    </p>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <Shop />
  </StrictMode>,
);
