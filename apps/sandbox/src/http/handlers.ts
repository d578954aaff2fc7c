import { contract } from '@accrupay/contracts';
import { createExpressEndpoints, initServer, type TsRestExpressOptions } from '@ts-rest/express';
import type { Express, Response } from 'express';
import { RouterError } from '../domain/errors.ts';
import type { SandboxService } from '../domain/service.ts';
import type { MerchantRow } from '../store/store.ts';
import { locals } from './app.ts';

function merchantOf(res: Response): MerchantRow {
  const { merchant } = locals(res);
  if (!merchant) throw new RouterError('AUTHENTICATION_FAILED', 'Missing API secret.');
  return merchant;
}

/** Mounts the ts-rest implementation of the contract: each handler hands its parsed input to the service. */
export function mountContract(
  app: Express,
  service: SandboxService,
  options: TsRestExpressOptions<typeof contract>,
): void {
  const s = initServer();
  const router = s.router(contract, {
    health: async () => ({ status: 200, body: { status: 'ok' } }),
    clientSessions: {
      getBaseConfig: async ({ query, res }) => ({
        status: 200,
        body: await service.baseConfig(merchantOf(res), query),
      }),
      getOne: async ({ query, res }) => ({
        status: 200,
        body: await service.getSession(merchantOf(res), query),
      }),
      getMany: async ({ query, res }) => {
        const { take, skip, ...filters } = query;
        return {
          status: 200,
          body: await service.listSessions(merchantOf(res), filters, { take, skip }),
        };
      },
      getConnection: async ({ query, res }) => {
        const { first, after, ...filters } = query;
        return {
          status: 200,
          body: await service.listSessionConnection(merchantOf(res), filters, { first, after }),
        };
      },
      payments: {
        start: async ({ body, res }) => ({
          status: 200,
          body: await service.start(merchantOf(res), 'payment', body),
        }),
        verify: async ({ body, res }) => ({
          status: 200,
          body: await service.verify(merchantOf(res), 'payment', body),
        }),
      },
      paymentMethodAdd: {
        start: async ({ body, res }) => ({
          status: 200,
          body: await service.start(merchantOf(res), 'add-payment-method', body),
        }),
        verify: async ({ body, res }) => ({
          status: 200,
          body: await service.verify(merchantOf(res), 'add-payment-method', body),
        }),
      },
      authorizations: {
        start: async ({ body, res }) => ({
          status: 200,
          body: await service.start(merchantOf(res), 'authorization', body),
        }),
        verify: async ({ body, res }) => ({
          status: 200,
          body: await service.verify(merchantOf(res), 'authorization', body),
        }),
      },
    },
    transactions: {
      getOne: async ({ params, res }) => ({
        status: 200,
        body: await service.getTransaction(merchantOf(res), params.id),
      }),
      getMany: async ({ query, res }) => {
        const { take, skip, ...filters } = query;
        return {
          status: 200,
          body: await service.listTransactions(merchantOf(res), filters, { take, skip }),
        };
      },
      settle: async ({ params, body, res }) => ({
        status: 200,
        body: await service.settle(merchantOf(res), params.id, body.amount),
      }),
      void: async ({ params, res }) => ({
        status: 200,
        body: await service.void(merchantOf(res), params.id),
      }),
      chargePaymentMethod: async ({ body, res }) => ({
        status: 200,
        body: await service.chargePaymentMethod(merchantOf(res), body),
      }),
    },
    paymentMethods: {
      getMany: async ({ query, res }) => {
        const { take, skip, merchantInternalCustomerCode } = query;
        return {
          status: 200,
          body: await service.listPaymentMethods(merchantOf(res), merchantInternalCustomerCode, {
            take,
            skip,
          }),
        };
      },
    },
    public: {
      getSession: async ({ params, query }) => ({
        status: 200,
        body: await service.publicSession(params.merchantPublicId, query),
      }),
      getBaseConfig: async ({ params, query }) => ({
        status: 200,
        body: await service.publicBaseConfig(params.merchantPublicId, query),
      }),
    },
    providerCallbacks: {
      receive: async ({ params, req }) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        await service.handleCallback(
          params.transactionProvider,
          params.merchantTransactionProviderId,
          raw,
          req.headers,
        );
        return { status: 200, body: { received: true as const } };
      },
    },
  });
  createExpressEndpoints(contract, router, app, options);
}
