import {
  HOSTED_APPEARANCE_VARIABLES,
  type HostedAppearance,
  type HostedTheme,
  hostedAppearanceSchema,
} from '@accrupay/contracts';
import { CARD_LOGIC_SCRIPT } from './card-fields.ts';

type Variables = NonNullable<HostedAppearance['variables']>;
type Palette = Required<Variables> & {
  colorField: string;
  colorBorder: string;
  colorMuted: string;
};

const SYSTEM_FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const THEMES: Record<HostedTheme, Palette> = {
  stripe: {
    colorPrimary: '#0570de',
    colorBackground: '#ffffff',
    colorText: '#30313d',
    colorDanger: '#df1b41',
    fontFamily: SYSTEM_FONT,
    borderRadius: '6px',
    colorField: '#ffffff',
    colorBorder: '#e0e0e6',
    colorMuted: '#6d6e78',
  },
  night: {
    colorPrimary: '#0570de',
    colorBackground: '#30313d',
    colorText: '#ffffff',
    colorDanger: '#fe87a1',
    fontFamily: SYSTEM_FONT,
    borderRadius: '6px',
    colorField: '#424353',
    colorBorder: '#4f5061',
    colorMuted: '#a3a4b0',
  },
  flat: {
    colorPrimary: '#0570de',
    colorBackground: '#ffffff',
    colorText: '#30313d',
    colorDanger: '#df1b41',
    fontFamily: SYSTEM_FONT,
    borderRadius: '3px',
    colorField: '#f1f1f4',
    colorBorder: '#f1f1f4',
    colorMuted: '#6d6e78',
  },
};

/**
 * Reads the page's appearance from its query (`theme` and one parameter per variable), checked
 * with the contract's allow-listed syntax; a bad value is refused by name, never dropped.
 */
export function appearanceFromQuery(
  query: Record<string, unknown>,
): { appearance: HostedAppearance } | { error: string } {
  const variables: Record<string, unknown> = {};
  for (const name of HOSTED_APPEARANCE_VARIABLES) {
    if (query[name] !== undefined) variables[name] = query[name];
  }
  const parsed = hostedAppearanceSchema.safeParse({
    ...(query.theme !== undefined ? { theme: query.theme } : {}),
    ...(Object.keys(variables).length > 0 ? { variables } : {}),
  });
  if (parsed.success) return { appearance: parsed.data };
  return {
    error: parsed.error.issues
      .map((issue) =>
        issue.message.startsWith('appearance')
          ? issue.message
          : `appearance.${issue.path.join('.')}: ${issue.message}`,
      )
      .join('; '),
  };
}

/** The CSS custom properties of a theme with the merchant's variables over it. */
export function themeCss(appearance: HostedAppearance): string {
  const palette: Palette = { ...THEMES[appearance.theme ?? 'stripe'], ...appearance.variables };
  if (appearance.theme === 'flat' && appearance.variables?.colorBackground) {
    palette.colorField = palette.colorBackground;
  }
  const vars: Record<string, string> = {
    '--ap-primary': palette.colorPrimary,
    '--ap-bg': palette.colorBackground,
    '--ap-text': palette.colorText,
    '--ap-danger': palette.colorDanger,
    '--ap-font': palette.fontFamily,
    '--ap-radius': palette.borderRadius,
    '--ap-field': palette.colorField,
    '--ap-border': palette.colorBorder,
    '--ap-muted': palette.colorMuted,
  };
  // Every value passed the contract's allow-list; `<` cannot occur, so the style element stays closed.
  return `:root{${Object.entries(vars)
    .map(([k, v]) => `${k}:${v.replace(/</g, '')}`)
    .join(';')}}`;
}

const PAGE_CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;background:var(--ap-bg)}
body{margin:0;padding:12px;background:var(--ap-bg);color:var(--ap-text);font:15px/1.4 var(--ap-font);min-width:0}
.amount{display:flex;justify-content:space-between;align-items:baseline;gap:8px;margin:0 0 12px}
.amount strong{font-size:18px}
.amount small{color:var(--ap-muted);font-size:12px}
.label{display:block;font-size:14px;margin:0 0 6px;color:var(--ap-text)}
fieldset{border:0;margin:0 0 12px;padding:0;min-width:0}
legend.label{padding:0}
.card{display:grid;grid-template-columns:1fr 1fr}
.card .wrap{position:relative;grid-column:1 / 3}
input,select,button{font:inherit;color:inherit}
input{width:100%;min-width:0;margin:0;padding:10px 12px;background:var(--ap-field);color:var(--ap-text);border:1px solid var(--ap-border);border-radius:var(--ap-radius);outline:0;position:relative;transition:border-color .12s,box-shadow .12s;-webkit-appearance:none;appearance:none}
input::placeholder{color:var(--ap-muted);opacity:.8}
#number{padding-right:96px;border-bottom-left-radius:0;border-bottom-right-radius:0}
#expiry{border-top:0;border-top-left-radius:0;border-top-right-radius:0;border-bottom-right-radius:0}
#cvc{border-top:0;border-left:0;border-top-left-radius:0;border-top-right-radius:0;border-bottom-left-radius:0}
input:focus{z-index:2;border-color:var(--ap-primary);box-shadow:0 0 0 3px color-mix(in srgb,var(--ap-primary) 25%,transparent)}
input[aria-invalid=true]{z-index:1;border-color:var(--ap-danger);color:var(--ap-danger)}
input[aria-invalid=true]:focus{z-index:2;box-shadow:0 0 0 3px color-mix(in srgb,var(--ap-danger) 25%,transparent)}
#expiry:focus,#expiry[aria-invalid=true],#cvc:focus,#cvc[aria-invalid=true]{border-top:1px solid;margin-top:-1px}
#cvc:focus,#cvc[aria-invalid=true]{border-left:1px solid;margin-left:-1px}
#expiry:focus,#cvc:focus{border-top-color:var(--ap-primary);border-left-color:var(--ap-primary)}
#expiry[aria-invalid=true],#cvc[aria-invalid=true]{border-top-color:var(--ap-danger);border-left-color:var(--ap-danger)}
.brand{position:absolute;z-index:3;right:10px;top:50%;transform:translateY(-50%);font:700 11px/20px var(--ap-font);letter-spacing:.02em;padding:0 6px;border-radius:3px;color:#fff;background:#6d6e78;pointer-events:none;white-space:nowrap}
.brand-visa{background:#1a1f71;font-style:italic;font-size:12px}
.brand-mastercard{background:#231f20;padding-left:30px}
.brand-mastercard::before,.brand-mastercard::after{content:"";position:absolute;top:4px;width:12px;height:12px;border-radius:50%}
.brand-mastercard::before{left:6px;background:#eb001b}
.brand-mastercard::after{left:13px;background:#f79e1b;opacity:.9}
.brand-amex{background:#2e77bc}
.brand-discover{background:#fff;color:#231f20;border:1px solid #e0e0e6}
.brand-discover::after{content:"";display:inline-block;width:7px;height:7px;margin-left:2px;border-radius:50%;background:#ff6000}
.brand-diners{background:#0079be}
.brand-jcb{background:#0b4ea2}
.brand-unionpay{background:#d10429}
.errors p{margin:6px 0 0;color:var(--ap-danger);font-size:13px}
.field{margin:0 0 12px}
#pay{display:block;width:100%;padding:11px 12px;border:0;border-radius:var(--ap-radius);background:var(--ap-primary);color:#fff;font-weight:600;cursor:pointer}
#pay:focus-visible{outline:2px solid var(--ap-primary);outline-offset:2px}
#pay:disabled{opacity:.65;cursor:progress}
.notice{margin:12px 0 0;padding:10px 12px;border-radius:var(--ap-radius);font-size:14px;border:1px solid var(--ap-border)}
.notice.error{color:var(--ap-danger);border-color:var(--ap-danger);background:color-mix(in srgb,var(--ap-danger) 8%,var(--ap-bg))}
.notice.ok{color:var(--ap-text)}
#challenge{border:1px solid var(--ap-border);border-radius:var(--ap-radius);padding:12px;margin:0 0 12px;background:var(--ap-field)}
#challenge p{margin:0 0 10px}
#challenge button{padding:8px 14px;border-radius:var(--ap-radius);border:1px solid var(--ap-border);background:var(--ap-bg);cursor:pointer}
#approve{background:var(--ap-primary)!important;color:#fff;border-color:var(--ap-primary)!important}
.sandbox{margin:16px 0 0;padding:8px 10px 10px;border:1px dashed #b0892c;border-radius:6px;background:#fffbeb;color:#5c4400;font:13px/1.4 system-ui,sans-serif}
.sandbox legend{padding:1px 6px;font-weight:700;color:#5c4400;background:#fffbeb;border:1px dashed #b0892c;border-radius:4px}
.sandbox label{display:block;margin:0 0 4px}
.sandbox select{width:100%;padding:6px;border:1px solid #d6c08a;border-radius:4px;background:#fff;color:#1f1f1f}
`;

/** The browser half of the card form: formatting, inline validation, submit and the 3-D Secure box. */
const PAGE_SCRIPT = String.raw`(function(){
var cfg=__CONFIG__;
var L=cardLogic;
function $(id){return document.getElementById(id);}
var form=$('card'),number=$('number'),expiry=$('expiry'),cvc=$('cvc'),holder=$('name'),scenario=$('scenario');
var pay=$('pay'),notice=$('notice'),brandEl=$('brand'),challenge=$('challenge');
var payLabel=pay.textContent,busy=false;
var FAILED={
  declined:'Your card was declined. Try another card.',
  authentication:'The authentication was not completed. Try again or use another card.',
  error:'We could not process your card. Try again in a moment.',
  expired:'This payment session has expired.'
};
function post(msg){window.parent.postMessage(msg,cfg.origin);}
function say(text,kind){notice.textContent=text||'';notice.hidden=!text;notice.className='notice '+(kind||'');}
function setError(field,code){
  var text=code?L.MESSAGES[field.id][code]:'';
  var el=$(field.id+'-error');
  el.textContent=text;el.hidden=!text;
  field.setAttribute('aria-invalid',text?'true':'false');
}
function brand(){return L.brandOf(L.digitsOf(number.value));}
function showBrand(){
  var b=brand();
  brandEl.textContent=b.badge;brandEl.hidden=!b.badge;
  brandEl.className='brand brand-'+b.id;
  brandEl.setAttribute('title',b.name);
  cvc.setAttribute('placeholder',b.cvc===4?'4 digits':'CVC');
}
function reformat(field,out){
  var v=field.value,caret=field.selectionStart==null?v.length:field.selectionStart;
  var before=L.digitsOf(v.slice(0,caret)).length;
  field.value=out;
  var pos=0,seen=0;
  while(pos<out.length&&seen<before){if(/\d/.test(out.charAt(pos)))seen++;pos++;}
  if(before>=L.digitsOf(out).length)pos=out.length;
  if(document.activeElement===field&&field.setSelectionRange)field.setSelectionRange(pos,pos);
}
function checkOf(field){
  if(field===number)return L.checkNumber(number.value);
  if(field===expiry)return L.checkExpiry(expiry.value,cfg.now);
  return L.checkCvc(cvc.value,brand());
}
number.addEventListener('input',function(){
  reformat(number,L.formatNumber(number.value));
  showBrand();
  cvc.value=L.formatCvc(cvc.value,brand());
  var digits=L.digitsOf(number.value),b=brand();
  if(b.lengths.indexOf(digits.length)>=0||digits.length>=L.maxDigits(b)){
    var code=L.checkNumber(digits);
    setError(number,code);
    if(!code&&document.activeElement===number)expiry.focus();
  }else setError(number,null);
});
expiry.addEventListener('input',function(e){
  var deleting=!!(e&&e.inputType&&e.inputType.indexOf('delete')===0);
  reformat(expiry,L.formatExpiry(expiry.value,deleting));
  if(L.digitsOf(expiry.value).length===4){
    var code=L.checkExpiry(expiry.value,cfg.now);
    setError(expiry,code);
    if(!code&&document.activeElement===expiry)cvc.focus();
  }else setError(expiry,null);
});
cvc.addEventListener('input',function(){
  cvc.value=L.formatCvc(cvc.value,brand());
  setError(cvc,null);
});
[number,expiry,cvc].forEach(function(field){
  // Not when the blur is a press on Pay: the message would move the button from under the pointer.
  field.addEventListener('blur',function(e){if(field.value&&!(e&&e.relatedTarget===pay))setError(field,checkOf(field));});
});
function idle(){busy=false;pay.disabled=false;pay.textContent=payLabel;}
function done(r,fromChallenge){
  idle();
  if(r.status==='requires_action'){form.hidden=true;challenge.hidden=false;say('');return;}
  challenge.hidden=true;
  if(r.status==='approved'){form.hidden=true;say('Card submitted. The shop will confirm your payment.','ok');}
  else{
    form.hidden=false;
    var auth=fromChallenge||/authentication/.test((r.error&&r.error.code)||'');
    say(r.status==='declined'?FAILED[auth?'authentication':'declined']:FAILED[r.status]||FAILED.error,'error');
  }
  var m={type:'accrupay:result',version:1,provider:cfg.provider,session:cfg.token,status:r.status,providerStatus:r.providerStatus,providerRef:r.providerRef};
  if(r.error){m.error=r.error;}
  post(m);
}
function send(path,body,fromChallenge){
  busy=true;pay.disabled=true;pay.textContent='Processing\u2026';say('');
  return fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}).then(function(r){return r.json();}).then(function(r){
    if(r.result){done(r.result,fromChallenge);return;}
    idle();
    var e=r.error||{code:'error',message:'error'};
    say(e.message,'error');
    // The session ended while the form was open: the parent must know; a typo it need not.
    if(e.code==='session_expired'||e.code==='session_closed'){
      form.hidden=true;challenge.hidden=true;
      post({type:'accrupay:result',version:1,provider:cfg.provider,session:cfg.token,status:e.code==='session_expired'?'expired':'error',providerStatus:e.code,providerRef:'',error:e});
    }
  },function(){idle();say('The card form could not reach the provider. Check your connection and try again.','error');});
}
post({type:'accrupay:ready',version:1,provider:cfg.provider,session:cfg.token,state:cfg.state});
if(cfg.awaitingChallenge){form.hidden=true;challenge.hidden=false;}
else if(cfg.state!=='open'){form.hidden=true;say(cfg.state==='expired'?FAILED.expired:'This session no longer accepts a card.','ok');}
form.addEventListener('submit',function(e){
  e.preventDefault();
  if(busy)return;
  var first=null;
  [number,expiry,cvc].forEach(function(field){var code=checkOf(field);setError(field,code);if(code&&!first)first=field;});
  if(first){first.focus();return;}
  var exp=L.parseExpiry(expiry.value);
  post({type:'accrupay:submitting',version:1,provider:cfg.provider,session:cfg.token});
  send('submit',{provider:cfg.provider,token:cfg.token,origin:cfg.origin,number:L.digitsOf(number.value),expMonth:String(exp.month),expYear:String(exp.year),cvc:cvc.value,name:holder.value,scenario:scenario.value});
  number.value='';cvc.value='';showBrand();
});
function decide(d){send('challenge',{provider:cfg.provider,token:cfg.token,origin:cfg.origin,decision:d},true);}
$('approve').addEventListener('click',function(){decide('approve');});
$('deny').addEventListener('click',function(){decide('deny');});
})();`;

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** What the card page shows and the script's configuration. */
export interface CardPageInput {
  nonce: string;
  provider: string;
  /** "42.00 USD", or undefined for a session that saves a card. */
  amount: string | undefined;
  holderName: string;
  scenarios: readonly { value: string; label: string }[];
  appearance: HostedAppearance;
  config: {
    provider: string;
    token: string;
    origin: string;
    state: 'open' | 'closed' | 'expired';
    awaitingChallenge: boolean;
    /** The simulator's clock, which decides whether an expiry date is past. */
    now: { year: number; month: number };
  };
}

/** The hosted card page: inline CSS and script only, no external resource. */
export function renderCardPage(input: CardPageInput): string {
  const options = input.scenarios
    .map((s) => `<option value="${esc(s.value)}">${esc(s.label)}</option>`)
    .join('');
  const config = JSON.stringify(input.config).replace(/</g, '\\u003c');
  const label = input.amount ? `Pay ${input.amount}` : 'Save card';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Card details</title>
<style>${themeCss(input.appearance)}${PAGE_CSS}</style>
</head><body>
<div class="amount"><strong>${esc(input.amount ?? 'Save a card')}</strong> <small>${esc(input.provider)} simulator</small></div>
<form id="card" autocomplete="off" novalidate>
<fieldset>
<legend class="label">Card information</legend>
<div class="card">
<div class="wrap"><input id="number" name="number" aria-label="Card number" placeholder="1234 1234 1234 1234" inputmode="numeric" autocomplete="cc-number" maxlength="23" aria-describedby="number-error" aria-invalid="false"><span id="brand" class="brand" hidden></span></div>
<input id="expiry" name="expiry" aria-label="Expiry" placeholder="MM / YY" inputmode="numeric" autocomplete="cc-exp" maxlength="9" aria-describedby="expiry-error" aria-invalid="false">
<input id="cvc" name="cvc" aria-label="CVC" placeholder="CVC" inputmode="numeric" autocomplete="cc-csc" maxlength="4" aria-describedby="cvc-error" aria-invalid="false">
</div>
<div class="errors" aria-live="polite"><p id="number-error" hidden></p><p id="expiry-error" hidden></p><p id="cvc-error" hidden></p></div>
</fieldset>
<div class="field"><label class="label" for="name">Name on card</label><input id="name" name="name" autocomplete="cc-name" value="${esc(input.holderName)}"></div>
<button id="pay" type="submit">${esc(label)}</button>
</form>
<div id="challenge" hidden><p>3-D Secure challenge (simulated issuer)</p><button id="approve" type="button">Approve</button> <button id="deny" type="button">Deny</button></div>
<p id="notice" class="notice" role="alert" hidden></p>
<fieldset class="sandbox"><legend>Sandbox: simulate an outcome</legend>
<label for="scenario">Simulator scenario</label><select id="scenario" name="scenario">${options}</select>
</fieldset>
<script nonce="${esc(input.nonce)}">
${CARD_LOGIC_SCRIPT}
${PAGE_SCRIPT.replace('__CONFIG__', () => config)}
</script>
</body></html>`;
}
