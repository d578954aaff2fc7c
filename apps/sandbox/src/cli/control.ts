import { parseArgs } from 'node:util';
import {
  type AdminMerchant,
  adminContract,
  DASHBOARD_TOKEN_HEADER,
  DEFAULT_BASE_URL,
  DURATION_PATTERN,
} from '@accrupay/contracts';

/**
 * The CLI commands that steer a running sandbox through its control API (`/v1/admin`, the
 * dashboard's): each one request or two, printed as a table or, with --json, as JSON.
 */

interface Command {
  usage: string;
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  run(call: Call, positionals: string[], values: Record<string, unknown>): Promise<Output>;
}

type Output = { json: unknown; text: string; exitCode?: number };
type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** A failure that names what to change; the CLI prints it and exits 1 (2 for usage). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The demo shop's own merchant, made by `start`: commands about "the" merchant skip it. */
export const DEMO_MERCHANT_NAME = 'Demo shop';

const COMMON = '[--url URL] [--json] [--dashboard-token TOKEN]';

function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

function listQuery(values: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [flag, param] of [
    ['status', 'status'],
    ['provider', 'provider'],
    ['code', 'code'],
    ['merchant', 'merchantId'],
    ['take', 'take'],
  ] as const) {
    const value = values[flag];
    if (typeof value === 'string')
      query.set(param, flag === 'provider' ? value.toUpperCase() : value);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

const LIST_OPTIONS = {
  status: { type: 'string' },
  provider: { type: 'string' },
  code: { type: 'string' },
  merchant: { type: 'string' },
  take: { type: 'string' },
} as const;

/** The merchant a command is about: --merchant, else the only (or first) one that is not the demo's. */
async function merchantOf(call: Call, given: unknown): Promise<AdminMerchant> {
  const { merchants } = await call<{ merchants: AdminMerchant[] }>(
    'GET',
    adminContract.overview.path,
  );
  if (typeof given === 'string') {
    const found = merchants.find((m) => m.id === given || m.merchantPublicId === given);
    if (!found) {
      throw new CommandError(
        `--merchant ${given}: no such merchant; the sandbox has ${merchants.map((m) => `${m.id} (${m.name})`).join(', ')}`,
      );
    }
    return found;
  }
  const own = merchants.filter((m) => m.name !== DEMO_MERCHANT_NAME);
  const first = own[0] ?? merchants[0];
  if (!first)
    throw new CommandError('the sandbox has no merchant yet: accrupay-sandbox merchant create');
  return first;
}

export const CONTROL_COMMANDS: Record<string, Command> = {
  sessions: {
    usage: `accrupay-sandbox sessions [--status S] [--provider STRIPE|NUVEI] [--code CODE] [--merchant ID] [--take N] ${COMMON}`,
    summary: 'Sessions of every merchant, newest first.',
    options: LIST_OPTIONS,
    async run(call, _positionals, values) {
      const page = await call<{
        data: { merchantId: string; session: Record<string, unknown> }[];
        total: number;
      }>('GET', `${adminContract.sessions.path}${listQuery(values)}`);
      const rows = page.data.map(({ merchantId, session }) => ({ ...session, merchantId }));
      return {
        json: page,
        text: `${table(rows, ['id', 'status', 'type', 'transactionProvider', 'amount', 'currency', 'merchantInternalTransactionCode', 'createdAt'])}\n${page.total} in all`,
      };
    },
  },
  transactions: {
    usage: `accrupay-sandbox transactions [--status S] [--provider P] [--code CODE] [--merchant ID] [--take N] ${COMMON}`,
    summary: 'Transactions of every merchant, newest first.',
    options: LIST_OPTIONS,
    async run(call, _positionals, values) {
      const page = await call<{
        data: { merchantId: string; transaction: Record<string, unknown> }[];
        total: number;
      }>('GET', `${adminContract.transactions.path}${listQuery(values)}`);
      const rows = page.data.map(({ transaction }) => transaction);
      return {
        json: page,
        text: `${table(rows, ['id', 'action', 'status', 'transactionProvider', 'amount', 'currency', 'providerCode', 'merchantInternalTransactionCode'])}\n${page.total} in all`,
      };
    },
  },
  ledger: {
    usage: `accrupay-sandbox ledger [--code CODE] [--provider-ref REF] ${COMMON}`,
    summary: "The provider simulator's ledger: every movement of money, oldest first.",
    options: { code: { type: 'string' }, 'provider-ref': { type: 'string' } },
    async run(call, _positionals, values) {
      const query = new URLSearchParams();
      if (typeof values.code === 'string') query.set('merchantRef', values.code);
      if (typeof values['provider-ref'] === 'string')
        query.set('providerRef', values['provider-ref']);
      const text = query.toString();
      const { data } = await call<{ data: Record<string, unknown>[] }>(
        'GET',
        `${adminContract.ledger.path}${text ? `?${text}` : ''}`,
      );
      return {
        json: data,
        text: table(data, [
          'at',
          'provider',
          'kind',
          'amount',
          'currency',
          'providerRef',
          'merchantRef',
        ]),
      };
    },
  },
  clock: {
    usage: `accrupay-sandbox clock advance DURATION|--to ISO-TIME ${COMMON}   (DURATION: 20m, 24h, 7d, 90s)`,
    summary:
      "Moves the router's and the simulator's clock forward; lists the sessions that ran out.",
    options: { to: { type: 'string' } },
    async run(call, positionals, values) {
      const [verb, duration] = positionals;
      if (verb !== 'advance')
        throw new CommandError(
          `clock: the only command is "clock advance"; got ${JSON.stringify(verb ?? '')}`,
          2,
        );
      let body: { by: string } | { to: string };
      if (typeof values.to === 'string') body = { to: values.to };
      else if (duration !== undefined && DURATION_PATTERN.test(duration)) body = { by: duration };
      else
        throw new CommandError(
          `clock advance needs a duration such as 20m, 24h or 7d (or --to 2030-01-01T00:00:00Z); got ${JSON.stringify(duration ?? '')}`,
          2,
        );
      const moved = await call<{ before: string; now: string; expired: Record<string, unknown>[] }>(
        'POST',
        adminContract.advanceClock.path,
        body,
      );
      return {
        json: moved,
        text: `clock: ${moved.before} -> ${moved.now}\nexpired meanwhile:\n${table(moved.expired, ['sessionId', 'code', 'expiresAt', 'merchantId'])}`,
      };
    },
  },
  scenario: {
    usage: `accrupay-sandbox scenario arm KIND [--session ID] [--times N] [--provider P] | scenario list | scenario disarm ID ${COMMON}
  KIND: drop_callback, duplicate_callback, concurrent_duplicates, delay_callback, out_of_order, forged_callback, api_error, api_timeout, unmappable_status`,
    summary: 'Arms, lists or disarms a fault at the provider simulator, for every session or one.',
    options: {
      session: { type: 'string' },
      times: { type: 'string' },
      provider: { type: 'string' },
    },
    async run(call, positionals, values) {
      const [verb, arg] = positionals;
      if (verb === 'list') {
        const { data } = await call<{ data: Record<string, unknown>[] }>(
          'GET',
          adminContract.scenarios.path,
        );
        return { json: data, text: table(data, ['id', 'kind', 'provider', 'remaining', 'used']) };
      }
      if (verb === 'disarm') {
        if (!arg)
          throw new CommandError(
            'scenario disarm needs the scenario id (scenario list shows them)',
            2,
          );
        await call(
          'DELETE',
          adminContract.disarmScenario.path.replace(':id', encodeURIComponent(arg)),
        );
        return { json: { removed: arg }, text: `scenario ${arg} removed` };
      }
      if (verb !== 'arm' || !arg) {
        throw new CommandError('scenario needs arm KIND, list, or disarm ID', 2);
      }
      const times = typeof values.times === 'string' ? Number(values.times) : undefined;
      if (times !== undefined && !(Number.isInteger(times) && times > 0)) {
        throw new CommandError(
          `--times must be a whole number above 0; got ${JSON.stringify(values.times)}`,
          2,
        );
      }
      const armed = await call<Record<string, unknown>>('POST', adminContract.armScenario.path, {
        kind: arg,
        ...(typeof values.session === 'string' ? { sessionId: values.session } : {}),
        ...(times !== undefined ? { times } : {}),
        ...(typeof values.provider === 'string' ? { provider: values.provider.toLowerCase() } : {}),
      });
      return {
        json: armed,
        text: `armed ${String(armed.kind)} (${String(armed.id)}): ${JSON.stringify(armed.target ?? 'all')}`,
      };
    },
  },
  origins: {
    usage: `accrupay-sandbox merchant origins add|remove ORIGIN [--merchant ID] | merchant origins list [--merchant ID] ${COMMON}`,
    summary:
      "Lets a browser origin use a merchant's public API and card fields (CORS), or stops it.",
    options: { merchant: { type: 'string' } },
    async run(call, positionals, values) {
      const [verb, origin] = positionals;
      const merchant = await merchantOf(call, values.merchant);
      if (verb === 'list') {
        return {
          json: merchant.allowedOrigins,
          text: merchant.allowedOrigins.join('\n') || '(none)',
        };
      }
      if ((verb !== 'add' && verb !== 'remove') || !origin) {
        throw new CommandError('merchant origins needs add ORIGIN, remove ORIGIN or list', 2);
      }
      const next =
        verb === 'add'
          ? [...merchant.allowedOrigins, origin]
          : merchant.allowedOrigins.filter((o) => o !== origin);
      const updated = await call<AdminMerchant>(
        'PUT',
        adminContract.setAllowedOrigins.path.replace(':id', merchant.id),
        { allowedOrigins: next },
      );
      return {
        json: updated,
        text: `${merchant.name} (${merchant.id}) allows:\n${updated.allowedOrigins.join('\n') || '(none)'}`,
      };
    },
  },
  reconcile: {
    usage: `accrupay-sandbox reconcile [--merchant ID] ${COMMON}   (exit 1 on any mismatch)`,
    summary:
      "The router's records beside the simulator's ledger; exits 1 on any mismatch (for CI).",
    options: { merchant: { type: 'string' } },
    async run(call, _positionals, values) {
      const query =
        typeof values.merchant === 'string'
          ? `?merchantId=${encodeURIComponent(values.merchant)}`
          : '';
      const report = await call<{
        transactions: number;
        ledgerEntries: number;
        mismatches: Record<string, unknown>[];
      }>('GET', `${adminContract.reconciliation.path}${query}`);
      const head = `${report.transactions} transactions, ${report.ledgerEntries} ledger entries: `;
      return {
        json: report,
        exitCode: report.mismatches.length === 0 ? 0 : 1,
        text:
          report.mismatches.length === 0
            ? `${head}consistent`
            : `${head}${report.mismatches.length} mismatch(es)\n${table(report.mismatches, ['kind', 'transactionId', 'providerRef', 'detail'])}`,
      };
    },
  },
  reset: {
    usage: `accrupay-sandbox reset --yes ${COMMON}`,
    summary:
      "Deletes every session, transaction, event and the simulator's ledger; merchants stay.",
    options: { yes: { type: 'boolean' } },
    async run(call, _positionals, values) {
      if (values.yes !== true) {
        throw new CommandError(
          'reset deletes every session, transaction and ledger entry: add --yes to do it',
          2,
        );
      }
      await call('POST', adminContract.reset.path, { confirm: true });
      return {
        json: { reset: true },
        text: 'reset: sessions, transactions, events and the ledger deleted; merchants kept',
      };
    },
  },
};

/** Runs one control command against the sandbox at --url; its output and exit code. */
export async function runControl(
  name: string,
  args: string[],
): Promise<{ out: string; exitCode: number }> {
  const command = CONTROL_COMMANDS[name];
  if (!command) throw new CommandError(`unknown command ${name}`, 2);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        json: { type: 'boolean' },
        'dashboard-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...command.options,
      },
    });
  } catch (error) {
    throw new CommandError(
      `${error instanceof Error ? error.message : String(error)}\n\nUsage:\n  ${command.usage}`,
      2,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return { out: `${command.summary}\n\nUsage:\n  ${command.usage}`, exitCode: 0 };
  const base = String(values.url ?? process.env.ACCRUPAY_SANDBOX_URL ?? DEFAULT_BASE_URL).replace(
    /\/$/,
    '',
  );
  const token =
    typeof values['dashboard-token'] === 'string' ? values['dashboard-token'] : undefined;
  const call: Call = async (method, path, body) => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { [DASHBOARD_TOKEN_HEADER]: token } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new CommandError(
        `no sandbox answers at ${base}: start one with accrupay-sandbox start, or point --url at it`,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!response.ok) {
      throw new CommandError(
        `${base} answered ${response.status}: ${answer.error?.message ?? 'no message'}`,
      );
    }
    return answer as never;
  };
  const output = await command.run(call, positionals, values);
  return {
    out: values.json ? JSON.stringify(output.json, null, 2) : output.text,
    exitCode: output.exitCode ?? 0,
  };
}
