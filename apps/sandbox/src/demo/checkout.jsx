// The demo shop's page: what a merchant's checkout does with @accrupay/react.
// The card is typed into the provider's fields (an iframe of the provider's origin); this page
// never sees it. The form's callbacks only ask the backend to verify: the order is confirmed
// when the backend's verify() says SUCCEEDED, never because the browser said so.
import { AccruPayProvider, PaymentForm, useAccruPay } from '@accrupay/react';
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
};

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

  // ?order=<id> resumes an order (after a reload, or from a link).
  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get('order');
    if (id) api(`/orders/${encodeURIComponent(id)}`).then(setOrder, (e) => setError(e.message));
  }, []);

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
        for 3-D Secure. Any future expiry, any CVC.
      </p>
      {error ? <p role="alert">{error}</p> : null}
      {order ? (
        <>
          <OrderSummary order={order} />
          {order.status !== 'CONFIRMED' ? (
            <AccruPayProvider merchantPublicId={config.merchantPublicId} baseUrl={config.baseUrl}>
              <PaymentForm
                sessionId={order.sessionId}
                onSuccess={confirm}
                onError={confirm}
                onExpired={confirm}
              />
              <FormStatus />
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
        Order <code>{order.id}</code>: {item?.name} {item?.price} via {order.provider}
      </div>
      <strong data-order-status={order.status}>{ORDER_STATUS[order.status]}</strong>
      {order.transactionStatus ? (
        <div className="hint">verify() said: {order.transactionStatus}</div>
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
