import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { TEST_CARDS } from './cards.ts';
import type { SimCore } from './core.ts';
import { bodyErrorHandler } from './http.ts';
import { type LedgerFilter, ledgerQuerySchema } from './ledger.ts';

const advanceSchema = z
  .object({
    ms: z.number().int().min(0).optional(),
    seconds: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    days: z.number().min(0).optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: 'give one of ms, seconds, minutes, hours or days',
  });

const setSchema = z.object({ now: z.string().datetime({ offset: true }) }).strict();

function bad(res: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  res.status(400).json({
    error: {
      code: 'invalid_input',
      message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    },
  });
}

/** The `/__sim` control API: clock, scenarios, ledger, deliveries, accounts and reset. */
export function controlRouter(core: SimCore): Router {
  const r = express.Router();
  r.use(express.json({ limit: core.options.bodyLimitBytes }));
  r.use(
    bodyErrorHandler((status, message) => ({
      status,
      body: { error: { code: status === 413 ? 'too_large' : 'invalid_json', message } },
    })),
  );

  r.get('/health', (_req, res) => {
    res.json({ ok: true, now: core.nowIso() });
  });
  r.get('/clock', (_req, res) => {
    res.json({ now: core.nowIso(), mode: core.clock.mode });
  });
  r.post('/clock/advance', async (req, res) => {
    const parsed = advanceSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error);
    const v = parsed.data;
    const ms =
      (v.ms ?? 0) +
      (v.seconds ?? 0) * 1000 +
      (v.minutes ?? 0) * 60_000 +
      (v.hours ?? 0) * 3_600_000 +
      (v.days ?? 0) * 86_400_000;
    await core.advance(Math.round(ms));
    res.json({ now: core.nowIso() });
  });
  r.post('/clock/set', async (req, res) => {
    const parsed = setSchema.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error);
    const target = Date.parse(parsed.data.now);
    if (target < core.clock.now()) {
      res.status(409).json({
        error: {
          code: 'clock_backwards',
          message: `now: the clock is at ${core.nowIso()} and never goes backwards`,
        },
      });
      return;
    }
    await core.advanceTo(target);
    res.json({ now: core.nowIso() });
  });

  r.get('/scenarios', (_req, res) => {
    res.json({ data: core.scenarioList() });
  });
  r.post('/scenarios', (req, res) => {
    try {
      res.status(201).json(core.addScenario(req.body ?? {}));
    } catch (err) {
      if (err instanceof z.ZodError) return bad(res, err);
      throw err;
    }
  });
  r.delete('/scenarios', (_req, res) => {
    core.clearScenarios();
    res.json({ data: [] });
  });
  r.delete('/scenarios/:id', (req, res) => {
    if (!core.removeScenario(req.params.id)) {
      res
        .status(404)
        .json({ error: { code: 'not_found', message: `No scenario ${req.params.id}` } });
      return;
    }
    res.json({ deleted: req.params.id });
  });

  r.get('/ledger', (req, res) => {
    const parsed = ledgerQuerySchema.safeParse(req.query);
    if (!parsed.success) return bad(res, parsed.error);
    // An empty query value (`?token=`) filters nothing.
    const filter = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v));
    res.json({ data: core.ledger.entries(filter as LedgerFilter) });
  });
  r.get('/deliveries', (_req, res) => {
    res.json({ data: core.deliveryList() });
  });
  r.post('/deliveries/flush', async (_req, res) => {
    await core.flush();
    res.json({ data: core.deliveryList() });
  });

  r.get('/accounts', (_req, res) => {
    res.json({ data: [...core.accounts.values()] });
  });
  r.put('/accounts/:id', (req, res) => {
    try {
      res.json(core.upsertAccount({ ...(req.body ?? {}), id: req.params.id }));
    } catch (err) {
      if (err instanceof z.ZodError) return bad(res, err);
      throw err;
    }
  });

  r.get('/cards', (_req, res) => {
    res.json(TEST_CARDS);
  });

  r.post('/reset', (_req, res) => {
    core.reset();
    res.json({ ok: true, now: core.nowIso() });
  });

  r.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'Unknown control API route.' } });
  });
  return r;
}
