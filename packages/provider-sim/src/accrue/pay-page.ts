import { randomBytes } from 'node:crypto';
import type { Response, Router } from 'express';
import type { z } from 'zod';
import type { MerchantAccount } from '../config.ts';
import { hostedPageCsp } from '../hosted.ts';
import {
  ACCRUE_SIGN_IN_CODE,
  type AccrueCustomerProfile,
  accrueCustomer,
  normalizeAccruePhone,
} from './customers.ts';
import { createIntent, walletBalance } from './lifecycle.ts';
import { confirmSchema, payPageQuery, signInSchema, zodIssue } from './schemas.ts';
import type { AccrueState } from './state.ts';

/** The `source` of every message the hosted Accrue Pay page posts to its opener (or parent). */
export const ACCRUE_MESSAGE_SOURCE = 'accrue-pay';

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** An amount of minor units in its currency's major unit, e.g. `$100.00`. */
export function formatMinor(amount: number, currency: string): string {
  try {
    const nf = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
    return nf.format(amount / 10 ** digits);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

/** The account whose `accrue.publishableKey` is `merchantPublicId`. */
export function accountByPublicId(s: AccrueState, id: string): MerchantAccount | undefined {
  return s.core.findAccount((a) => a.accrue?.publishableKey === id);
}

const PAGE_CSS = `
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;padding:16px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2b36;background:#fff}
h1{font-size:18px;margin:0 0 4px;color:#0b6e4f}.amount{margin:0 0 16px}.amount strong{font-size:20px}
label{display:block;margin:0 0 4px;font-size:14px}
input{width:100%;padding:10px 12px;margin:0 0 12px;border:1px solid #c8d1d9;border-radius:6px;font:inherit}
button{font:inherit;padding:10px 14px;border-radius:6px;border:1px solid #c8d1d9;background:#fff;cursor:pointer}
.primary{display:block;width:100%;background:#0b6e4f;color:#fff;border-color:#0b6e4f;font-weight:600}
.primary:disabled{opacity:.6;cursor:not-allowed}
.method{display:flex;align-items:center;justify-content:space-between;gap:8px;margin:0 0 8px}
.method button{flex:0 0 auto;min-width:150px;text-align:left}.method button[aria-pressed=true]{border-color:#0b6e4f;box-shadow:0 0 0 2px #0b6e4f}
.method span{color:#5b6b78;font-size:13px}
#cancel{display:block;width:100%;margin:10px 0 0}
.notice{margin:12px 0 0;padding:10px 12px;border-radius:6px;border:1px solid #c8d1d9}
.notice.error{color:#b42318;border-color:#b42318}
.sandbox{margin:16px 0 0;padding:8px 10px;border:1px dashed #b0892c;border-radius:6px;background:#fffbeb;color:#5c4400;font-size:13px}
`;

const PAGE_SCRIPT = `(function(){
var cfg=__CONFIG__;
function $(id){return document.getElementById(id);}
var signin=$('signin'),phone=$('phone'),code=$('code'),methods=$('methods'),wallet=$('wallet'),bank=$('bank'),pay=$('pay'),cancel=$('cancel'),notice=$('notice');
var chosen=null,finished=false,busy=false,who=null;
function post(m){var t=window.opener||window.parent;if(t&&t!==window)t.postMessage(m,cfg.origin);}
function say(text,kind){notice.textContent=text||'';notice.hidden=!text;notice.className='notice '+(kind||'');}
function finish(text){finished=true;signin.hidden=true;methods.hidden=true;cancel.hidden=true;say(text,'ok');}
function call(path,body){return fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}).then(function(r){return r.json();});}
function choose(m){chosen=m;wallet.setAttribute('aria-pressed',String(m==='wallet'));bank.setAttribute('aria-pressed',String(m==='bank'));pay.disabled=false;}
signin.addEventListener('submit',function(e){
  e.preventDefault();if(busy||finished)return;busy=true;say('');
  call('pay/sign-in',{merchantPublicId:cfg.merchantPublicId,origin:cfg.origin,phone:phone.value,code:code.value}).then(function(r){
    busy=false;
    if(r.error){say(r.error.message,'error');return;}
    who={phone:phone.value,code:code.value};
    $('who').textContent='Signed in as '+r.customer.name;
    $('wallet-balance').textContent='Balance '+r.wallet.display;
    $('bank-masked').textContent=r.bank.name+' '+r.bank.masked;
    signin.hidden=true;methods.hidden=false;wallet.focus();
  },function(){busy=false;say('Accrue Pay could not be reached. Try again.','error');});
});
wallet.addEventListener('click',function(){choose('wallet');});
bank.addEventListener('click',function(){choose('bank');});
pay.addEventListener('click',function(){
  if(busy||finished||!chosen||!who)return;busy=true;pay.disabled=true;say('');
  call('pay/confirm',{merchantPublicId:cfg.merchantPublicId,origin:cfg.origin,phone:who.phone,code:who.code,amount:cfg.amount,currency:cfg.currency,method:chosen}).then(function(r){
    busy=false;
    if(r.paymentIntentId){post({source:'accrue-pay',type:'payment_intent.created',paymentIntentId:r.paymentIntentId});finish('Payment approved. Return to the shop to finish.');return;}
    if(r.canceled){post({source:'accrue-pay',type:'canceled'});finish('You left the checkout. Nothing was charged.');return;}
    pay.disabled=false;say((r.error&&r.error.message)||'Something went wrong.','error');
  },function(){busy=false;pay.disabled=false;say('Accrue Pay could not be reached. Try again.','error');});
});
cancel.addEventListener('click',function(){if(finished)return;post({source:'accrue-pay',type:'canceled'});finish('Checkout canceled. Nothing was charged.');});
})();`;

/** The hosted Accrue Pay page: sign in, choose the wallet or a bank account, confirm. */
export function renderPayPage(input: {
  nonce: string;
  amountDisplay: string;
  config: { merchantPublicId: string; origin: string; amount: number; currency: string };
}): string {
  const config = JSON.stringify(input.config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Accrue Pay</title>
<style>${PAGE_CSS}</style></head><body>
<main>
<h1>Accrue Pay</h1>
<p class="amount">Amount <strong>${esc(input.amountDisplay)}</strong></p>
<form id="signin" autocomplete="off" novalidate>
<label for="phone">Phone number</label><input id="phone" name="phone" type="tel" autocomplete="tel" placeholder="+1 555 010 0000">
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" placeholder="000000">
<button class="primary" type="submit">Sign in</button>
</form>
<section id="methods" hidden>
<p id="who"></p>
<div role="group" aria-label="Payment method">
<div class="method"><button id="wallet" type="button" aria-pressed="false" aria-describedby="wallet-balance">Accrue wallet</button><span id="wallet-balance"></span></div>
<div class="method"><button id="bank" type="button" aria-pressed="false" aria-describedby="bank-masked">Bank account</button><span id="bank-masked"></span></div>
</div>
<button id="pay" class="primary" type="button" disabled>Pay</button>
</section>
<button id="cancel" type="button">Cancel</button>
<p id="notice" class="notice" role="alert" hidden></p>
<p class="sandbox">Sandbox: sign in with any +1 555 01X XXXX number and code ${ACCRUE_SIGN_IN_CODE}.</p>
</main>
<script nonce="${esc(input.nonce)}">
${PAGE_SCRIPT.replace('__CONFIG__', () => config)}
</script>
</body></html>`;
}

function errorPage(res: Response, status: number, message: string): void {
  res
    .status(status)
    .set('Content-Security-Policy', "frame-ancestors 'none'; default-src 'none'")
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(`<!doctype html><title>Accrue Pay unavailable</title><p>${esc(message)}</p>`);
}

function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** The customer behind a sign-in, or an answer already sent. */
function signIn(
  s: AccrueState,
  res: Response,
  input: z.infer<typeof signInSchema>,
): { account: MerchantAccount; profile: AccrueCustomerProfile } | undefined {
  const account = accountByPublicId(s, input.merchantPublicId);
  if (!account) {
    jsonError(
      res,
      404,
      'unknown_merchant',
      `No merchant with public id ${input.merchantPublicId}.`,
    );
    return undefined;
  }
  if (!account.allowedOrigins.includes(input.origin)) {
    jsonError(res, 403, 'origin_not_allowed', `Origin ${input.origin} is not allowed.`);
    return undefined;
  }
  const phone = normalizeAccruePhone(input.phone);
  if (!phone) {
    jsonError(
      res,
      422,
      'unknown_phone',
      'Phone number: use a sandbox number +1 555 01X XXXX (e.g. +1 555 010 0000).',
    );
    return undefined;
  }
  if (input.code.trim() !== ACCRUE_SIGN_IN_CODE) {
    jsonError(res, 401, 'wrong_code', `Code: the sandbox code is ${ACCRUE_SIGN_IN_CODE}.`);
    return undefined;
  }
  return { account, profile: accrueCustomer(phone) };
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown, res: Response) {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  jsonError(res, 400, 'invalid_input', zodIssue(parsed.error).detail);
  return undefined;
}

/** `GET /accrue/pay` and the two calls its script makes (`POST /accrue/pay/sign-in`, `/accrue/pay/confirm`). */
export function payPageRoutes(r: Router, s: AccrueState): void {
  r.get('/pay', (req, res) => {
    const parsed = payPageQuery.safeParse(req.query);
    if (!parsed.success) {
      errorPage(
        res,
        400,
        `The Accrue Pay page needs merchantPublicId, amount (minor units), currency and origin query parameters: ${zodIssue(parsed.error).detail}.`,
      );
      return;
    }
    const q = parsed.data;
    const account = accountByPublicId(s, q.merchantPublicId);
    if (!account) {
      errorPage(res, 404, `No merchant with public id ${q.merchantPublicId}.`);
      return;
    }
    if (!account.allowedOrigins.includes(q.origin)) {
      errorPage(
        res,
        403,
        `Origin ${q.origin} is not an allowed origin for this merchant account; add it to the account's allowedOrigins.`,
      );
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    const csp = hostedPageCsp(account.allowedOrigins, nonce);
    res
      .status(200)
      .set('Content-Security-Policy', csp)
      .set('X-Content-Type-Options', 'nosniff')
      .set('Referrer-Policy', 'no-referrer')
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        renderPayPage({
          nonce,
          amountDisplay: formatMinor(q.amount, q.currency),
          config: {
            merchantPublicId: q.merchantPublicId,
            origin: q.origin,
            amount: q.amount,
            currency: q.currency,
          },
        }),
      );
  });

  r.post('/pay/sign-in', (req, res) => {
    const input = parse(signInSchema, req.body, res);
    if (!input) return;
    const who = signIn(s, res, input);
    if (!who) return;
    const { profile } = who;
    const balance = walletBalance(s, profile);
    res.json({
      customer: { id: profile.id, name: profile.name, email: profile.email },
      wallet: { balance, display: formatMinor(balance, 'USD') },
      bank: { name: profile.bank.name, masked: `•••• ${profile.bank.last4}` },
    });
  });

  r.post('/pay/confirm', (req, res) => {
    const input = parse(confirmSchema, req.body, res);
    if (!input) return;
    const who = signIn(s, res, input);
    if (!who) return;
    if (who.profile.key === 'abandons') {
      res.json({ canceled: true });
      return;
    }
    const intent = createIntent(s, who.account, {
      amount: input.amount,
      currency: input.currency,
      method: input.method,
      phone: who.profile.phone,
    });
    s.core.kick();
    res.status(201).json({ paymentIntentId: intent.id });
  });
}
