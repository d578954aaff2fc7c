import { z } from 'zod';

/**
 * The messages the provider's hosted card page posts to its parent window (never with
 * targetOrigin '*'), as the simulator sends them and the React SDK reads them.
 */
export const HOSTED_PAGE_PROVIDERS = ['stripe', 'nuvei'] as const;
/** The provider a hosted card page belongs to, in lower case. */
export type HostedPageProvider = (typeof HOSTED_PAGE_PROVIDERS)[number];

/** The outcomes a result message reports (`requires_action` never leaves the page). */
export const HOSTED_RESULT_STATUSES = ['approved', 'declined', 'error', 'expired'] as const;
/** Whether the page's session can still take a card when the page loads. */
export const HOSTED_READY_STATES = ['open', 'closed', 'expired'] as const;

const envelope = {
  version: z.literal(1),
  provider: z.enum(HOSTED_PAGE_PROVIDERS),
  /** The session token the page was opened with. */
  session: z.string(),
};

/** The page loaded; `state` says whether it can take a card. */
export const hostedReadyMessageSchema = z.object({
  type: z.literal('accrupay:ready'),
  ...envelope,
  state: z.enum(HOSTED_READY_STATES),
});

/** The customer submitted the card form. */
export const hostedSubmittingMessageSchema = z.object({
  type: z.literal('accrupay:submitting'),
  ...envelope,
});

/** The provider answered the card (or the session ended while the page was open). */
export const hostedResultMessageSchema = z.object({
  type: z.literal('accrupay:result'),
  ...envelope,
  status: z.enum(HOSTED_RESULT_STATUSES),
  providerStatus: z.string(),
  providerRef: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** Any message of the hosted card page. */
export const hostedPageMessageSchema = z.discriminatedUnion('type', [
  hostedReadyMessageSchema,
  hostedSubmittingMessageSchema,
  hostedResultMessageSchema,
]);
/** A message of the hosted card page. */
export type HostedPageMessage = z.infer<typeof hostedPageMessageSchema>;
/** The result message of the hosted card page. */
export type HostedResultMessage = z.infer<typeof hostedResultMessageSchema>;
