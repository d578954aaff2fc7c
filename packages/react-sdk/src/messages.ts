import type { MachineEvent } from './state.ts';

/** The hosted card page the form frames, and what its messages must match. */
export interface FrameTarget {
  /** The page's URL with provider, token and origin in its query. */
  url: string;
  /** The only origin messages are accepted from: the origin of `hostedFieldsUrl`. */
  origin: string;
  provider: 'stripe' | 'nuvei';
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const RESULT_STATUSES = ['approved', 'declined', 'error', 'expired'] as const;
const READY_STATES = ['open', 'closed', 'expired'] as const;

function oneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
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
  const data: unknown = event.data;
  if (!isRecord(data) || data.version !== 1) return null;
  if (data.session !== target.token || data.provider !== target.provider) return null;
  switch (data.type) {
    case 'accrupay:ready':
      return oneOf(READY_STATES, data.state) ? { type: 'frame-ready', state: data.state } : null;
    case 'accrupay:submitting':
      return { type: 'frame-submitting' };
    case 'accrupay:result': {
      if (!oneOf(RESULT_STATUSES, data.status)) return null;
      const error = data.error;
      if (error === undefined) return { type: 'frame-result', status: data.status };
      if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
        return null;
      }
      return {
        type: 'frame-result',
        status: data.status,
        error: { code: error.code.slice(0, 100), message: error.message.slice(0, 500) },
      };
    }
    default:
      return null;
  }
}
