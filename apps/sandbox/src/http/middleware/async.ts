import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** An async middleware whose rejection goes to the error handler. */
export const asyncMiddleware =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };
