import express, { type Router } from 'express';
import { bodyErrorHandler } from '../http.ts';
import { ACCRUE_TEST_CUSTOMERS } from './customers.ts';
import { createIntent } from './lifecycle.ts';
import { accountByPublicId } from './pay-page.ts';
import { helperIntentSchema, zodIssue } from './schemas.ts';
import type { AccrueState } from './state.ts';

/** `/__sim/accrue`: `POST /payment-intents` makes the intent the hosted page would, without a browser. */
export function accrueControlRouter(s: AccrueState): Router {
  const r = express.Router();
  r.use(express.json({ limit: s.core.options.bodyLimitBytes }));
  r.use(
    bodyErrorHandler((status, message) => ({
      status,
      body: { error: { code: status === 413 ? 'too_large' : 'invalid_json', message } },
    })),
  );
  r.post('/payment-intents', (req, res) => {
    const parsed = helperIntentSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res
        .status(400)
        .json({ error: { code: 'invalid_input', message: zodIssue(parsed.error).detail } });
      return;
    }
    const input = parsed.data;
    const account = accountByPublicId(s, input.merchantPublicId);
    if (!account) {
      res.status(404).json({
        error: {
          code: 'not_found',
          message: `merchantPublicId: no account has accrue.publishableKey ${input.merchantPublicId}`,
        },
      });
      return;
    }
    if (input.customer === 'abandons') {
      res.status(422).json({
        error: {
          code: 'customer_abandons',
          message:
            'customer: the abandons customer leaves the checkout, so no payment intent is created (the hosted page reports canceled)',
        },
      });
      return;
    }
    const intent = createIntent(s, account, {
      amount: input.amount,
      currency: input.currency,
      method: input.method,
      phone: ACCRUE_TEST_CUSTOMERS[input.customer].phone,
    });
    s.core.kick();
    res.status(201).json({ id: intent.id });
  });
  r.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'Unknown control API route.' } });
  });
  return r;
}
