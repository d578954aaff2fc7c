import { randomBytes } from 'node:crypto';
import {
  type HostedResultMessage as ContractHostedResultMessage,
  HOSTED_PAGE_PROVIDERS,
  type HostedPageProvider,
} from '@accrupay/contracts';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
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

function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
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

  const csp = (origins: readonly string[], nonce: string) =>
    [
      `frame-ancestors ${origins.join(' ')}`,
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      "style-src 'unsafe-inline'",
      "connect-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
    ].join('; ');

  r.get('/card', (req, res) => {
    const found = lookup(res, req.query as Record<string, unknown>);
    if (!found) return;
    const { session, origin } = found;
    const account = core.accounts.peek(session.accountId);
    const nonce = randomBytes(16).toString('base64');
    const amount =
      session.amount !== undefined && session.kind === 'payment'
        ? `${(session.amount / 100).toFixed(2)} ${String(session.currency).toUpperCase()}`
        : 'Save card';
    const state = session.expired ? 'expired' : session.open ? 'open' : 'closed';
    const options = CARD_PAGE_SCENARIOS.map(
      (s) => `<option value="${esc(s.value)}">${esc(s.label)}</option>`,
    ).join('');
    const config = {
      provider: session.provider,
      token: session.token,
      origin,
      state,
      awaitingChallenge: session.awaitingChallenge,
    };
    res
      .status(200)
      .set('Content-Security-Policy', csp(account?.allowedOrigins ?? [], nonce))
      .set('X-Content-Type-Options', 'nosniff')
      .set('Referrer-Policy', 'no-referrer')
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Card details</title>
<style>body{font:14px system-ui,sans-serif;margin:12px}label{display:block;margin:6px 0}input,select{font:inherit;padding:4px}#challenge{display:none;border:1px solid #999;padding:8px;margin-top:8px}</style>
</head><body>
<form id="card" autocomplete="off">
<div><strong>${esc(amount)}</strong> <small>(${esc(session.provider)} simulator)</small></div>
<label>Card number <input name="number" inputmode="numeric" required></label>
<label>Expiry <input name="expMonth" size="2" placeholder="MM" required> / <input name="expYear" size="4" placeholder="YYYY" required></label>
<label>CVC <input name="cvc" size="4" required></label>
<label>Name on card <input name="name" value="${esc(core.faker.person.fullName())}"></label>
<label>Simulator scenario <select name="scenario">${options}</select></label>
<button type="submit">Pay</button>
</form>
<div id="challenge"><p>3-D Secure challenge (simulated issuer)</p><button id="approve" type="button">Approve</button> <button id="deny" type="button">Deny</button></div>
<p id="status" role="status"></p>
<script nonce="${nonce}">
(function(){
var cfg=${jsonForScript(config)};
var statusEl=document.getElementById('status');
function post(msg){window.parent.postMessage(msg,cfg.origin);}
function done(r){
  if(r.status==='requires_action'){document.getElementById('challenge').style.display='block';statusEl.textContent='Authentication required';return;}
  statusEl.textContent=r.status;
  var m={type:'accrupay:result',version:1,provider:cfg.provider,session:cfg.token,status:r.status,providerStatus:r.providerStatus,providerRef:r.providerRef};
  if(r.error){m.error=r.error;}
  post(m);
}
function send(path,body){
  return fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}).then(function(r){return r.json();}).then(function(r){
    if(r.result){done(r.result);return;}
    var e=r.error||{code:'error',message:'error'};
    statusEl.textContent=e.message;
    // The session ended while the form was open: the parent must know; a typo it need not.
    if(e.code==='session_expired'||e.code==='session_closed'){
      post({type:'accrupay:result',version:1,provider:cfg.provider,session:cfg.token,status:e.code==='session_expired'?'expired':'error',providerStatus:e.code,providerRef:'',error:e});
    }
  });
}
post({type:'accrupay:ready',version:1,provider:cfg.provider,session:cfg.token,state:cfg.state});
if(cfg.awaitingChallenge){document.getElementById('challenge').style.display='block';}
document.getElementById('card').addEventListener('submit',function(e){
  e.preventDefault();
  var f=e.target;
  post({type:'accrupay:submitting',version:1,provider:cfg.provider,session:cfg.token});
  send('submit',{provider:cfg.provider,token:cfg.token,origin:cfg.origin,number:f.number.value,expMonth:f.expMonth.value,expYear:f.expYear.value,cvc:f.cvc.value,name:f.name.value,scenario:f.scenario.value});
  f.number.value='';f.cvc.value='';
});
function decide(d){send('challenge',{provider:cfg.provider,token:cfg.token,origin:cfg.origin,decision:d});}
document.getElementById('approve').addEventListener('click',function(){decide('approve');});
document.getElementById('deny').addEventListener('click',function(){decide('deny');});
})();
</script>
</body></html>`);
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
