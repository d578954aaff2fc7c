import { randomBytes } from 'node:crypto';
import {
  type HostedResultMessage as ContractHostedResultMessage,
  HOSTED_PAGE_PROVIDERS,
  type HostedPageProvider,
} from '@accrupay/contracts';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { appearanceFromQuery, renderCardPage } from './card-page.ts';
import type { SimCore } from './core.ts';
import type { HostedProvider, HostedSession } from './hosted-types.ts';
import { CARD_PAGE_SCENARIOS } from './scenarios.ts';

/** The message the hosted page posts to its parent window: the contract's type, kept under its old name. */
export type HostedResultMessage = ContractHostedResultMessage;

const submitSchema = z
  .object({
    provider: z.enum(HOSTED_PAGE_PROVIDERS),
    token: z.string().min(1),
    origin: z.string().min(1),
    number: z.string().regex(/^[\d\s-]{12,23}$/, 'must be 12-19 digits'),
    expMonth: z.coerce.number().int().min(1).max(12),
    expYear: z.coerce
      .number()
      .int()
      .min(0)
      .max(2100)
      .transform((y) => (y < 100 ? 2000 + y : y)),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
    name: z.string().max(200).optional(),
    scenario: z.string().optional(),
  })
  .strict();

const challengeSchema = z
  .object({
    provider: z.enum(HOSTED_PAGE_PROVIDERS),
    token: z.string().min(1),
    origin: z.string().optional(),
    decision: z.enum(['approve', 'deny']),
  })
  .strict();

function isHostedPageProvider(value: unknown): value is HostedPageProvider {
  return (HOSTED_PAGE_PROVIDERS as readonly unknown[]).includes(value);
}

/** Parses a JSON body of the page's script; on bad input answers 400 naming the first field and returns undefined. */
function parseJson<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  body: unknown,
  res: Response,
): T | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  res.status(400).json({
    error: { code: 'invalid_input', message: `${issue?.path.join('.')}: ${issue?.message}` },
  });
  return undefined;
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** The hosted card fields and 3-D Secure challenge pages. */
export function hostedRouter(
  core: SimCore,
  providers: Partial<Record<HostedPageProvider, HostedProvider>>,
): Router {
  const r = express.Router();
  r.use(express.json({ limit: 8 * 1024 }));
  r.use(express.urlencoded({ extended: false, limit: 8 * 1024 }));

  const errorPage = (res: Response, status: number, message: string) => {
    res
      .status(status)
      .set('Content-Security-Policy', "frame-ancestors 'none'; default-src 'none'")
      .type('html')
      .send(`<!doctype html><title>Card fields unavailable</title><p>${esc(message)}</p>`);
  };

  const lookup = (
    res: Response,
    source: Record<string, unknown>,
  ): { session: HostedSession; origin: string; provider: HostedProvider } | undefined => {
    const provider = isHostedPageProvider(source.provider) ? source.provider : undefined;
    const token = typeof source.token === 'string' ? source.token : undefined;
    const origin = typeof source.origin === 'string' ? source.origin : undefined;
    if (!provider || !token || !origin) {
      errorPage(
        res,
        400,
        `The page needs provider (${HOSTED_PAGE_PROVIDERS.join(' or ')}), token and origin query parameters.`,
      );
      return undefined;
    }
    const hosted = providers[provider];
    const session = hosted?.session(token);
    if (!hosted || !session) {
      errorPage(res, 404, 'Unknown session token.');
      return undefined;
    }
    const account = core.accounts.peek(session.accountId);
    if (!account?.allowedOrigins.includes(origin)) {
      errorPage(
        res,
        403,
        `Origin ${origin} is not an allowed frame origin for this merchant account.`,
      );
      return undefined;
    }
    return { session, origin, provider: hosted };
  };

  const csp = hostedPageCsp;

  r.get('/card', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const found = lookup(res, query);
    if (!found) return;
    const look = appearanceFromQuery(query);
    if ('error' in look) {
      errorPage(res, 400, `The card page's appearance is refused: ${look.error}.`);
      return;
    }
    const { session, origin } = found;
    const account = core.accounts.peek(session.accountId);
    const nonce = randomBytes(16).toString('base64');
    const now = new Date(core.clock.now());
    const html = renderCardPage({
      nonce,
      provider: session.provider,
      amount:
        session.amount !== undefined && session.kind === 'payment'
          ? `${(session.amount / 100).toFixed(2)} ${String(session.currency).toUpperCase()}`
          : undefined,
      holderName: core.faker.person.fullName(),
      scenarios: CARD_PAGE_SCENARIOS,
      appearance: look.appearance,
      config: {
        provider: session.provider,
        token: session.token,
        origin,
        state: session.expired ? 'expired' : session.open ? 'open' : 'closed',
        awaitingChallenge: session.awaitingChallenge,
        now: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 },
      },
    });
    res
      .status(200)
      .set('Content-Security-Policy', csp(account?.allowedOrigins ?? [], nonce))
      .set('X-Content-Type-Options', 'nosniff')
      .set('Referrer-Policy', 'no-referrer')
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(html);
  });

  r.post('/submit', (req, res) => {
    const input = parseJson(submitSchema, req.body, res);
    if (!input) return;
    const pick = CARD_PAGE_SCENARIOS.find((s) => s.value === (input.scenario ?? 'none'));
    if (!pick) {
      res
        .status(400)
        .json({ error: { code: 'invalid_input', message: 'scenario: unknown value' } });
      return;
    }
    const found = lookupJson(res, input);
    if (!found) return;
    if (!found.session.open) {
      res.status(409).json({
        error: {
          code: found.session.expired ? 'session_expired' : 'session_closed',
          message: found.session.expired
            ? 'This session has expired.'
            : 'This session no longer accepts a card.',
        },
      });
      return;
    }
    if (pick.spec) {
      core.addScenario({
        ...pick.spec,
        target: { token: input.token },
        provider: input.provider,
      });
    }
    const result = found.provider.submitCard(input.token, {
      number: input.number.replace(/[\s-]/g, ''),
      expMonth: input.expMonth,
      expYear: input.expYear,
      cvc: input.cvc,
      name: input.name,
    });
    core.kick();
    res.status(200).json({ result });
  });

  r.post('/challenge', (req, res) => {
    const input = parseJson(challengeSchema, req.body, res);
    if (!input) return;
    const { provider, token, decision } = input;
    const hosted = providers[provider];
    if (!hosted?.session(token)) {
      res
        .status(404)
        .json({ error: { code: 'unknown_session', message: 'Unknown session token.' } });
      return;
    }
    const result = hosted.decideChallenge(token, decision === 'approve');
    core.kick();
    res.status(200).json({ result });
  });

  r.get('/3ds', (req, res) => {
    const provider = isHostedPageProvider(req.query.provider) ? req.query.provider : undefined;
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const session = provider && token ? providers[provider]?.session(token) : undefined;
    if (!provider || !token || !session) {
      errorPage(res, 404, 'Unknown 3-D Secure session.');
      return;
    }
    const account = core.accounts.peek(session.accountId);
    res
      .status(200)
      .set(
        'Content-Security-Policy',
        `frame-ancestors 'self' ${(account?.allowedOrigins ?? []).join(' ')}; default-src 'none'; style-src 'unsafe-inline'; form-action 'self'`,
      )
      .type('html')
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>3-D Secure</title></head><body>
<p>Simulated 3-D Secure challenge for ${esc(provider)} session.</p>
<form method="post" action="3ds"><input type="hidden" name="provider" value="${esc(provider)}"><input type="hidden" name="token" value="${esc(token)}">
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form></body></html>`);
  });

  r.post('/3ds', (req, res) => {
    const parsed = challengeSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      errorPage(res, 400, 'provider, token and decision (approve or deny) are required.');
      return;
    }
    const { provider, token, decision } = parsed.data;
    const hosted = providers[provider];
    if (!hosted?.session(token)) {
      errorPage(res, 404, 'Unknown 3-D Secure session.');
      return;
    }
    const result = hosted.decideChallenge(token, decision === 'approve');
    core.kick();
    res
      .status(200)
      .set('Content-Security-Policy', "frame-ancestors 'self'; default-src 'none'")
      .type('html')
      .send(`<!doctype html><title>3-D Secure</title><p>Authentication ${esc(result.status)}.</p>`);
  });

  function lookupJson(
    res: Response,
    input: { provider: HostedPageProvider; token: string; origin: string },
  ): { session: HostedSession; provider: HostedProvider } | undefined {
    const hosted = providers[input.provider];
    const session = hosted?.session(input.token);
    if (!hosted || !session) {
      res
        .status(404)
        .json({ error: { code: 'unknown_session', message: 'Unknown session token.' } });
      return undefined;
    }
    const account = core.accounts.peek(session.accountId);
    if (!account?.allowedOrigins.includes(input.origin)) {
      res.status(403).json({
        error: { code: 'origin_not_allowed', message: `Origin ${input.origin} is not allowed.` },
      });
      return undefined;
    }
    return { session, provider: hosted };
  }

  return r;
}

/**
 * The Content-Security-Policy of every hosted page (card page, 3-D Secure, Accrue Pay): framed
 * only by the account's allowed origins, its own nonce'd script, requests to the simulator only.
 */
export function hostedPageCsp(origins: readonly string[], nonce: string): string {
  return [
    `frame-ancestors ${origins.join(' ')}`,
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
  ].join('; ');
}
