import type { Router } from 'express';
import type { SimCore } from '../core.ts';
import type { SimProvider } from '../provider.ts';
import { accrueControlRouter } from './control.ts';
import { armIntent, armPayment } from './lifecycle.ts';
import { accrueRouter } from './routes.ts';
import { AccrueState } from './state.ts';
import { virtualCardIssuer } from './virtual-cards.ts';

export {
  ACCRUE_CUSTOMER_KEYS,
  ACCRUE_CUSTOMER_SEED,
  ACCRUE_DEFAULT_WALLET_BALANCE,
  ACCRUE_SIGN_IN_CODE,
  ACCRUE_TEST_CUSTOMERS,
  type AccrueCustomerKey,
  type AccrueCustomerProfile,
  accrueCustomer,
  normalizeAccruePhone,
} from './customers.ts';
export { ACCRUE_ERROR_CODES, type AccrueErrorCode, type AccrueErrorObject } from './errors.ts';
export { ACCRUE_EVENT_TYPES, type AccrueEventType } from './lifecycle.ts';
export { ACCRUE_MESSAGE_SOURCE } from './pay-page.ts';
export {
  ACCRUE_SIGNATURE_HEADER,
  signAccrueNotification,
  verifyAccrueNotification,
} from './signature.ts';
export {
  ACCRUE_AUTHORIZATION_TTL_MS,
  ACCRUE_BANK_PROCESSING_MS,
  ACCRUE_INTENT_TTL_MS,
  ACCRUE_SETTLEMENT_DELAY_MS,
  ACCRUE_TIMINGS,
  ACCRUE_TRANSFER_FAILURE_MS,
  ACCRUE_TRANSFER_RETURN_MS,
} from './state.ts';
export { ACCRUE_CARD_DECLINES, ACCRUE_VIRTUAL_CARD_BIN } from './virtual-cards.ts';

/** The Accrue-Pay-like provider: document 004's payment-intent API under `/accrue/v1`, its hosted page and its virtual cards. */
export class AccrueProvider implements SimProvider {
  readonly name = 'accrue';
  readonly apiPath = '/accrue/v1';
  private readonly state: AccrueState;

  constructor(core: SimCore) {
    const s = new AccrueState(core);
    this.state = s;
    core.cardIssuers.register(virtualCardIssuer(s));
    core.onLoad(() => {
      s.rebuildIndexes();
      for (const i of s.intents.values()) {
        if (i.status === 'created') armIntent(s, i.id, i.expiresMs);
      }
      for (const p of s.payments.values()) {
        if (p.next) armPayment(s, p.id, p.next.at);
      }
    });
  }

  router(): Router {
    return accrueRouter(this.state);
  }

  control(): Router {
    return accrueControlRouter(this.state);
  }

  setBaseUrl(url: string): void {
    this.state.baseUrl = url;
  }

  reset(): void {
    this.state.clearIndexes();
  }
}
