import { adminContract, contract } from '@accrupay/contracts';
import { createExpressEndpoints, initServer, type TsRestExpressOptions } from '@ts-rest/express';
import type { Express, Response } from 'express';
import type { SandboxService } from '../domain/service.ts';
import { merchantOf } from './context.ts';

type SessionType = Parameters<SandboxService['start']>[1];

/** A 200 answer. */
const ok = <T>(body: T) => ({ status: 200 as const, body });

/** Mounts the ts-rest implementation of the contract: each handler hands its parsed input to the service. */
export function mountContract(
  app: Express,
  service: SandboxService,
  options: TsRestExpressOptions<typeof contract>,
): void {
  const s = initServer();
  const router = s.router(contract, {
    health: async () => ok({ status: 'ok' as const }),
    clientSessions: {
      getBaseConfig: async ({ query, res }) => ok(await service.baseConfig(merchantOf(res), query)),
      getOne: async ({ query, res }) => ok(await service.getSession(merchantOf(res), query)),
      getMany: async ({ query, res }) => {
        const { take, skip, ...filters } = query;
        return ok(await service.listSessions(merchantOf(res), filters, { take, skip }));
      },
      getConnection: async ({ query, res }) => {
        const { first, after, ...filters } = query;
        return ok(await service.listSessionConnection(merchantOf(res), filters, { first, after }));
      },
      payments: sessionRoutes(service, 'payment'),
      paymentMethodAdd: sessionRoutes(service, 'add-payment-method'),
      authorizations: sessionRoutes(service, 'authorization'),
    },
    transactions: {
      getOne: async ({ params, res }) =>
        ok(await service.getTransaction(merchantOf(res), params.id)),
      getMany: async ({ query, res }) => {
        const { take, skip, ...filters } = query;
        return ok(await service.listTransactions(merchantOf(res), filters, { take, skip }));
      },
      settle: async ({ params, body, res }) =>
        ok(await service.settle(merchantOf(res), params.id, body.amount)),
      void: async ({ params, res }) => ok(await service.void(merchantOf(res), params.id)),
      refund: async ({ params, body, res }) =>
        ok(await service.refund(merchantOf(res), params.id, body.amount)),
      sync: async ({ params, res }) => ok(await service.sync(merchantOf(res), params.id)),
      chargePaymentMethod: async ({ body, res }) =>
        ok(await service.chargePaymentMethod(merchantOf(res), body)),
    },
    paymentMethods: {
      getMany: async ({ query, res }) => {
        const { take, skip, merchantInternalCustomerCode } = query;
        return ok(
          await service.listPaymentMethods(merchantOf(res), merchantInternalCustomerCode, {
            take,
            skip,
          }),
        );
      },
    },
    webhookEndpoints: {
      create: async ({ body, res }) =>
        ok(await service.createWebhookEndpoint(merchantOf(res), body)),
      getMany: async ({ res }) => ok(await service.listWebhookEndpoints(merchantOf(res))),
      getOne: async ({ params, res }) =>
        ok(await service.getWebhookEndpoint(merchantOf(res), params.id)),
      delete: async ({ params, res }) =>
        ok(await service.deleteWebhookEndpoint(merchantOf(res), params.id)),
      rotateSecret: async ({ params, body, res }) =>
        ok(await service.rotateWebhookSecret(merchantOf(res), params.id, body.graceSeconds)),
      recover: async ({ params, body, res }) =>
        ok(await service.recoverWebhooks(merchantOf(res), params.id, body.since)),
      armFault: async ({ params, body, res }) =>
        ok(await service.armWebhookFault(merchantOf(res), params.id, body)),
      listFaults: async ({ params, res }) =>
        ok(await service.listWebhookFaults(merchantOf(res), params.id)),
      disarmFault: async ({ params, res }) =>
        ok(await service.disarmWebhookFault(merchantOf(res), params.id, params.faultId)),
    },
    events: {
      getMany: async ({ query, res }) => ok(await service.listEvents(merchantOf(res), query)),
      getOne: async ({ params, res }) => ok(await service.getEvent(merchantOf(res), params.id)),
      deliveries: async ({ params, res }) =>
        ok(await service.eventDeliveries(merchantOf(res), params.id)),
      redeliver: async ({ params, body, res }) =>
        ok(await service.redeliverEvent(merchantOf(res), params.id, body.endpointId)),
    },
    public: {
      getSession: async ({ params, query }) =>
        ok(await service.publicSession(params.merchantPublicId, query)),
      getBaseConfig: async ({ params, query }) =>
        ok(await service.publicBaseConfig(params.merchantPublicId, query)),
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
        return ok({ received: true as const });
      },
    },
  });
  createExpressEndpoints(contract, router, app, options);
}

/** Mounts the sandbox control API (dashboard, CLI): who may call it is decided by admin-access.ts. */
export function mountAdmin(
  app: Express,
  service: SandboxService,
  options: TsRestExpressOptions<typeof adminContract>,
): void {
  const s = initServer();
  const { admin } = service;
  const page = ({ take, skip }: { take: number; skip: number }) => ({ take, skip });
  const router = s.router(adminContract, {
    overview: async () => ok(await admin.overview()),
    createMerchant: async ({ body }) => ok(await admin.createMerchant(body)),
    setAllowedOrigins: async ({ params, body }) =>
      ok(await admin.setAllowedOrigins(params.id, body.allowedOrigins)),
    sessions: async ({ query }) => ok(await admin.sessions(query, page(query))),
    transactions: async ({ query }) => ok(await admin.transactions(query, page(query))),
    session: async ({ params }) => ok(await admin.session(params.id)),
    ledger: async ({ query }) => ok(await admin.ledger(query)),
    reconciliation: async ({ query }) => ok(await admin.reconcile(query.merchantId)),
    advanceClock: async ({ body }) => ok(await admin.advanceClock(body)),
    scenarios: async () => ok(await admin.scenarios()),
    armScenario: async ({ body }) => ok(await admin.armScenario(body)),
    disarmScenario: async ({ params }) => ok(await admin.disarmScenario(params.id)),
    reset: async () => ok(await admin.reset()),
  });
  createExpressEndpoints(adminContract, router, app, options);
}

/** The start and verify handlers of one session type: the namespaces differ only in the type. */
function sessionRoutes(service: SandboxService, type: SessionType) {
  return {
    start: async ({ body, res }: { body: Parameters<SandboxService['start']>[2]; res: Response }) =>
      ok(await service.start(merchantOf(res), type, body)),
    verify: async ({
      body,
      res,
    }: {
      body: Parameters<SandboxService['verify']>[2];
      res: Response;
    }) => ok(await service.verify(merchantOf(res), type, body)),
  };
}
