import { Writable } from 'node:stream';

/**
 * Human-readable log lines for a terminal: pino writes JSON into this stream, which prints
 * `12:00:01 INFO  POST /v1/client-sessions/payments 200 12.3 ms  req_ab12...` for a request and
 * `12:00:01 WARN  message  key=value ...` for the rest. The JSON is already redacted by pino.
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS: Record<number, string> = { 40: '\u001b[33m', 50: '\u001b[31m', 60: '\u001b[31m' };
const RESET = '\u001b[0m';
const QUIET = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function value(field: unknown): string {
  if (typeof field === 'string') return /\s/.test(field) ? JSON.stringify(field) : field;
  return JSON.stringify(field);
}

/** One JSON log line as one readable line; a line that is not JSON stays as it is. */
export function formatLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = Number(entry.level);
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const name = LEVELS[level] ?? String(entry.level);
  const head = colour && COLOURS[level] ? `${COLOURS[level]}${name}${RESET}` : name;
  const rest = { ...entry };
  let text: string;
  if (entry.msg === 'request' && typeof entry.method === 'string') {
    text = `${entry.method} ${String(entry.path)} ${String(entry.status)} ${Number(entry.ms).toFixed(1)} ms`;
    for (const key of ['msg', 'method', 'path', 'status', 'ms']) delete rest[key];
  } else {
    text = String(entry.msg ?? '');
  }
  const extra = Object.entries(rest)
    .filter(([key, field]) => !QUIET.has(key) && field !== undefined)
    .map(([key, field]) => `${key}=${value(field)}`)
    .join(' ');
  return `${time} ${head} ${text}${extra ? `  ${extra}` : ''}`;
}

/** A stream for pino that writes readable lines to `out` (a terminal). */
export function prettyLogStream(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) out.write(`${formatLogLine(line, out.isTTY === true)}\n`);
      done();
    },
  });
}
