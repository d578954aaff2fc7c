import type { Router } from 'express';
import { invalidRequest } from './errors.ts';
import type { Handle } from './routes.ts';
import { createCustomerSchema } from './schemas.ts';
import type { Customer, StripeState } from './state.ts';
import { customerJson, pmJson } from './webhooks.ts';

export function requireCustomer(
  s: StripeState,
  accountId: string,
  id: string,
  param = 'customer',
): Customer {
  const c = s.customers.get(id);
  if (!c || c.accountId !== accountId) {
    throw invalidRequest(400, 'resource_missing', `No such customer: '${id}'`, param);
  }
  return c;
}

/** POST /v1/customers, GET /v1/customers/:id and its payment methods. */
export function customerRoutes(r: Router, s: StripeState, handle: Handle): void {
  r.post(
    '/v1/customers',
    handle(
      (req, auth) => {
        const input = createCustomerSchema.parse(req.body ?? {});
        const c: Customer = {
          id: s.rid('cus'),
          object: 'customer',
          accountId: auth.account.id,
          created: s.unix(),
          email: input.email ?? null,
          name: input.name ?? null,
          metadata: input.metadata ?? {},
        };
        s.customers.set(c.id, c);
        return { body: customerJson(c) };
      },
      { secretOnly: true },
    ),
  );
  r.get(
    '/v1/customers/:id',
    handle(
      (req, auth) => ({
        body: customerJson(requireCustomer(s, auth.account.id, String(req.params.id), 'id')),
      }),
      { secretOnly: true },
    ),
  );
  r.get(
    '/v1/customers/:id/payment_methods',
    handle(
      (req, auth) => {
        const c = requireCustomer(s, auth.account.id, String(req.params.id), 'id');
        const data = [...s.paymentMethods.values()]
          .filter((pm) => pm.customer === c.id)
          .map((pm) => pmJson(pm));
        return {
          body: {
            object: 'list',
            data,
            has_more: false,
            url: `/v1/customers/${c.id}/payment_methods`,
          },
        };
      },
      { secretOnly: true },
    ),
  );
}
