import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';

/** Accepts an integer as a JSON number or a form-encoded string. */
export const formInt = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform((v) => Number(v)),
]);

/** Accepts a boolean as JSON or as the form strings "true"/"false". */
export const formBool = z.union([
  z.boolean(),
  z.enum(['true', 'false']).transform((v) => v === 'true'),
]);

/** `{ field: z.string().optional() }` for each field: a form of optional text fields (a query, a billing block). */
export function optionalStrings<const K extends string>(
  fields: readonly K[],
): { [F in K]: z.ZodOptional<z.ZodString> } {
  return Object.fromEntries(fields.map((f) => [f, z.string().optional()])) as {
    [F in K]: z.ZodOptional<z.ZodString>;
  };
}

export const metadataSchema = z.record(z.string(), z.string()).optional();

/** Body parsers for JSON and form bodies with a size bound. */
export function bodyParsers(limitBytes: number): RequestHandler[] {
  return [
    express.json({ limit: limitBytes, strict: true }),
    express.urlencoded({ extended: true, limit: limitBytes, parameterLimit: 1000 }),
  ];
}

export interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

/** Maps body-parser failures (bad JSON, too large) to a provider-style answer instead of a stack trace. */
export function bodyErrorHandler(
  answer: (status: number, message: string) => { status: number; body: unknown },
): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as BodyParserError;
    let status = 500;
    let message = 'An unexpected error occurred in the simulator.';
    if (e.type === 'entity.too.large') {
      status = 413;
      message = 'Request body is too large.';
    } else if (e.type === 'entity.parse.failed') {
      status = 400;
      message = 'Request body is not valid JSON.';
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      message = 'Request body could not be read.';
    }
    const out = answer(status, message);
    res.status(out.status).json(out.body);
  };
}

export function zodMessage(error: z.ZodError): { param: string; message: string } {
  const issue = error.issues[0];
  const param = issue?.path.map((p, i) => (i === 0 ? String(p) : `[${String(p)}]`)).join('') ?? '';
  return { param, message: `${param || 'body'}: ${issue?.message ?? 'invalid value'}` };
}

export function latency(ms: number): RequestHandler {
  return (_req, _res, next) => {
    if (ms <= 0) return next();
    setTimeout(next, ms);
  };
}
