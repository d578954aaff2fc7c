import type { RequestHandler } from 'express';
import { findCardData } from '../../domain/card-data.ts';
import { RouterError } from '../../domain/errors.ts';
import { locals } from '../context.ts';

const CARD_DATA_HELP =
  "Card data must never reach your server or AccruPay: the customer types it into the provider's fields rendered by the React SDK.";

/** The CARD_DATA_REFUSED error for a card-like value at `where`; the value itself is never repeated. */
export function cardDataRefused(where: string, what = `${where} looks`): RouterError {
  return new RouterError('CARD_DATA_REFUSED', `${what} like a card number. ${CARD_DATA_HELP}`, {
    issues: [{ path: where, message: 'looks like a card number' }],
  });
}

/** Behind the secret: a body holding anything card-like is refused, naming where, not what. */
export const cardScan: RequestHandler = (req, res, next) => {
  if (!locals(res).merchant) return next();
  const cardPath = findCardData(req.body);
  if (cardPath === undefined) return next();
  next(cardPath ? cardDataRefused(cardPath) : cardDataRefused('body', 'The request body looks'));
};
