import type { Request, Router } from 'express';
import type { z } from 'zod';
import type { SessionKeys } from '../scenarios.ts';
import { createKeys, type Handle } from './routes.ts';
import type { Auth } from './state.ts';

/** What the routes of one kind of intent (PaymentIntent, SetupIntent) need to know about it. */
export interface IntentResource<I extends { accountId: string }> {
  /** e.g. `/v1/payment_intents`. */
  path: string;
  peek(id: string): I | undefined;
  keys(intent: I): SessionKeys;
  /** Loads the caller's intent (a publishable key needs its client_secret), or throws the API error. */
  get(auth: Auth, id: string, clientSecret: string | undefined, readOnly: boolean): I;
  json(intent: I): unknown;
}

/**
 * The routes every intent has: create, retrieve, and actions on one intent (a body parsed, the
 * intent loaded, acted on and answered), each with the session keys its faults match.
 */
export function intentRoutes<I extends { accountId: string }>(
  r: Router,
  handle: Handle,
  res: IntentResource<I>,
) {
  const keysOf = (req: Request, auth: Auth) => {
    const intent = res.peek(String(req.params.id));
    return intent && intent.accountId === auth.account.id ? res.keys(intent) : undefined;
  };
  return {
    create(make: (body: unknown, auth: Auth) => I): void {
      r.post(
        res.path,
        handle((req, auth) => ({ body: res.json(make(req.body, auth)) }), {
          secretOnly: true,
          keysFirst: createKeys,
        }),
      );
    },
    retrieve(): void {
      r.get(
        `${res.path}/:id`,
        handle(
          (req, auth) => ({
            body: res.json(
              res.get(auth, String(req.params.id), req.query.client_secret?.toString(), true),
            ),
          }),
          { keysFirst: keysOf },
        ),
      );
    },
    action<T extends { client_secret?: string | undefined }>(
      name: string,
      schema: z.ZodType<T, z.ZodTypeDef, unknown>,
      act: (intent: I, input: T, auth: Auth) => void,
      options: {
        secretOnly?: boolean;
        check?: (body: Record<string, unknown> | undefined) => void;
      } = {},
    ): void {
      r.post(
        `${res.path}/:id/${name}`,
        handle(
          (req, auth) => {
            options.check?.(req.body as Record<string, unknown> | undefined);
            const input = schema.parse(req.body ?? {});
            const intent = res.get(auth, String(req.params.id), input.client_secret, false);
            act(intent, input, auth);
            return { body: res.json(intent) };
          },
          { secretOnly: options.secretOnly ?? false, keysFirst: keysOf },
        ),
      );
    },
  };
}
