import { type HostedPageProvider, hostedPageMessageSchema } from '@accrupay/contracts';
import type { MachineEvent } from './state.ts';

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
      if (error === undefined) return { type: 'frame-result', status };
      return {
        type: 'frame-result',
        status,
        error: { code: error.code.slice(0, 100), message: error.message.slice(0, 500) },
      };
    }
  }
}
