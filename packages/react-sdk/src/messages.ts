import {
  HOSTED_APPEARANCE_VARIABLES,
  HOSTED_THEMES,
  type HostedAppearance,
  type HostedPageProvider,
  hostedAppearanceSchema,
  hostedPageMessageSchema,
} from '@accrupay/contracts';
import type { MachineEvent } from './state.ts';

/**
 * How the card fields look: a theme (`stripe`, the default, `night` or `flat`) and style
 * variables (`colorPrimary`, `colorBackground`, `colorText`, `colorDanger`, `fontFamily`,
 * `borderRadius`), each checked against an allow-listed CSS syntax before it reaches the frame.
 */
export type PaymentFormAppearance = HostedAppearance;

/**
 * Checks an appearance before it reaches the card fields: a value that is not a CSS colour or
 * length of the allowed syntax is refused with a message naming the variable, never passed on.
 */
export function checkAppearance(
  value: unknown,
): { appearance: PaymentFormAppearance } | { error: string } {
  if (value === undefined) return { appearance: {} };
  const parsed = hostedAppearanceSchema.safeParse(value);
  if (parsed.success) return { appearance: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const where = issue.path.length ? `appearance.${issue.path.join('.')}` : 'appearance';
    const known = issue.path.length ? HOSTED_APPEARANCE_VARIABLES.join(', ') : 'theme, variables';
    return { error: `${where} has no ${issue.keys.join(', ')}; use ${known}` };
  }
  if (issue?.code === 'invalid_type') {
    const where = ['appearance', ...issue.path].join('.');
    const expected = issue.expected === 'object' ? 'an object' : `a ${issue.expected}`;
    return { error: `${where} must be ${expected}; got ${issue.received}` };
  }
  return {
    error: issue?.message ?? `appearance is invalid; themes are ${HOSTED_THEMES.join(', ')}`,
  };
}

/** The hosted card page the form frames, and what its messages must match. */
export interface FrameTarget {
  /** The page's URL with provider, token and origin in its query. */
  url: string;
  /** The only origin messages are accepted from: the origin of `hostedFieldsUrl`. */
  origin: string;
  provider: HostedPageProvider;
  /** The session token the page was opened with; messages for another session are ignored. */
  token: string;
}

const PROVIDERS: Record<string, FrameTarget['provider']> = { STRIPE: 'stripe', NUVEI: 'nuvei' };

/**
 * Builds the URL of the provider's hosted card page, or says what is wrong with the base
 * configuration.
 */
export function frameTarget(input: {
  transactionProvider: string;
  providerData: Record<string, unknown>;
  token: string;
  parentOrigin: string;
  /** Already checked with {@link checkAppearance}: it travels as query parameters. */
  appearance?: PaymentFormAppearance;
}): FrameTarget | { error: string } {
  const provider = PROVIDERS[input.transactionProvider];
  if (!provider) {
    return { error: `provider ${input.transactionProvider} has no hosted card fields` };
  }
  const raw = input.providerData.hostedFieldsUrl;
  if (typeof raw !== 'string') {
    return { error: 'the base configuration has no providerData.hostedFieldsUrl' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `providerData.hostedFieldsUrl is not a URL: ${raw}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { error: `providerData.hostedFieldsUrl must be http(s); got ${url.protocol}` };
  }
  url.searchParams.set('provider', provider);
  url.searchParams.set('token', input.token);
  url.searchParams.set('origin', input.parentOrigin);
  const { theme, variables = {} } = input.appearance ?? {};
  if (theme) url.searchParams.set('theme', theme);
  for (const name of HOSTED_APPEARANCE_VARIABLES) {
    const value = variables[name];
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return { url: url.toString(), origin: url.origin, provider, token: input.token };
}

/**
 * Reads a `message` event from the hosted card page. Returns the state machine event it
 * stands for, or null for anything that is not exactly a message of this page for this session:
 * another origin, another window, another session or provider, or a malformed body.
 */
export function readFrameMessage(
  event: Pick<MessageEvent, 'origin' | 'data' | 'source'>,
  target: FrameTarget,
  frameWindow: MessageEventSource | null,
): MachineEvent | null {
  if (event.origin !== target.origin) return null;
  if (frameWindow === null || event.source !== frameWindow) return null;
  const parsed = hostedPageMessageSchema.safeParse(event.data);
  if (!parsed.success) return null;
  const data = parsed.data;
  if (data.session !== target.token || data.provider !== target.provider) return null;
  switch (data.type) {
    case 'accrupay:ready':
      return { type: 'frame-ready', state: data.state };
    case 'accrupay:submitting':
      return { type: 'frame-submitting' };
    case 'accrupay:result': {
      const { status, error } = data;
      const event: Extract<MachineEvent, { type: 'frame-result' }> = {
        type: 'frame-result',
        status,
      };
      if (error !== undefined) {
        event.error = { code: error.code.slice(0, 100), message: error.message.slice(0, 500) };
      }
      if (status === 'declined') {
        if (isAuthenticationFailure(data.provider, error)) event.authenticationFailed = true;
        // Nuvei keeps an order payable until its token expires: the same frame takes another
        // card. A Stripe session ends with its first decline (the router closes it).
        if (data.provider === 'nuvei') event.sessionOpen = true;
      }
      return event;
    }
  }
}

/** Whether a decline is a failed 3-D Secure authentication, as each provider reports it. */
function isAuthenticationFailure(
  provider: HostedPageProvider,
  error: { code: string; message: string } | undefined,
): boolean {
  if (!error) return false;
  if (provider === 'stripe') return /_authentication_failure$/.test(error.code);
  return /3-?D ?Secure/i.test(error.message);
}
