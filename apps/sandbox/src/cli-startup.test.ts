import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { startupFixture } from './startup-support.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const fixture = startupFixture('accrupay-cli-startup-');
const existingDatabase = () => fixture.existingDatabase(join('.accrupay', 'sandbox.db'));

/** Runs the CLI to its exit (or, with `until`, until it printed that): its code and output. */
function run(
  args: string[],
  env: Record<string, string> = {},
  until?: string,
): Promise<{ code: number; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@accrupay/source', CLI, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: '', ...env },
    },
  );
  fixture.onCleanup(() => child.kill('SIGKILL'));
  let output = '';
  return new Promise((resolve) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (until !== undefined && output.includes(until)) {
        child.kill('SIGTERM');
        resolve({ code: 0, output });
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** What every start-up failure shares: a non-zero exit, one message, no stack trace, not ready. */
function expectCleanFailure(result: { code: number; output: string }, code = 1) {
  expect(result.code, result.output).toBe(code);
  expect(result.output).toMatch(/^accrupay-sandbox: /);
  expect(result.output).not.toMatch(/^\s+at /m);
  expect(result.output).not.toContain('sandbox ready');
}

// Each test starts a real process through tsx: allow for a loaded machine.
describe('accrupay-sandbox start refuses, with a message and a non-zero exit', {
  timeout: 60_000,
}, () => {
  test('a read-only database file, naming it and what to do', async () => {
    const file = await existingDatabase();
    fixture.readOnly(file);
    const result = await run(['start', '--port', '0', '--db', file]);
    expectCleanFailure(result);
    expect(result.output).toContain(`The database file ${file} is not writable`);
    expect(result.output).toContain('writable, or choose another file with --db');
  });

  test('a read-only .accrupay directory', async () => {
    const file = await existingDatabase();
    fixture.readOnly(join(fixture.dir(), '.accrupay'));
    const result = await run(['start', '--port', '0', '--db', file]);
    expectCleanFailure(result);
    expect(result.output).toContain(
      `make the file and its directory ${join(fixture.dir(), '.accrupay')} writable`,
    );
  });

  test('a router port in use, naming --port and the port', async () => {
    const port = await fixture.takenPort();
    const result = await run([
      'start',
      '--port',
      String(port),
      '--sim-port',
      '0',
      '--db',
      ':memory:',
    ]);
    expectCleanFailure(result);
    expect(result.output).toContain(
      `Port ${port} on 127.0.0.1 (the router's port) is already in use`,
    );
    expect(result.output).toContain('choose another port with --port');
    expect(result.output).not.toContain('EADDRINUSE');
  });

  test('a simulator port in use, naming --sim-port and the port', async () => {
    const port = await fixture.takenPort();
    const result = await run([
      'start',
      '--port',
      '0',
      '--sim-port',
      String(port),
      '--db',
      ':memory:',
    ]);
    expectCleanFailure(result);
    expect(result.output).toContain(
      `Port ${port} on 127.0.0.1 (the embedded simulator's port) is already in use`,
    );
    expect(result.output).toContain('choose another port with --sim-port');
  });

  test('(not a refusal) a start names its key file, created beside the database with mode 0600', async () => {
    const file = join(fixture.dir(), 'data', 'sandbox.db');
    const started = await run(['start', '--port', '0', '--db', file], {}, 'Stop with Ctrl-C.');
    expect(started.output).toContain(
      `credentials key:   the key file ${join(fixture.dir(), 'data', 'credentials.key')} (keep it with the database)`,
    );
    expect((await stat(join(fixture.dir(), 'data', 'credentials.key'))).mode & 0o777).toBe(0o600);
  });

  test('a wrong credentials key, naming ACCRUPAY_CREDENTIALS_KEY', async () => {
    const file = join(fixture.dir(), 'sandbox.db');
    const key = (byte: string) => Buffer.alloc(32, byte).toString('base64');
    const created = await run(['merchant', 'create', '--json', '--db', file], {
      ACCRUPAY_CREDENTIALS_KEY: key('a'),
    });
    expect(created.code, created.output).toBe(0);
    const wrong = await run(['start', '--port', '0', '--db', file], {
      ACCRUPAY_CREDENTIALS_KEY: key('b'),
    });
    expectCleanFailure(wrong);
    expect(wrong.output).toContain('Cannot decrypt the provider credentials');
    expect(wrong.output).toContain('the key in ACCRUPAY_CREDENTIALS_KEY');
    const malformed = await run(['start', '--port', '0', '--db', file], {
      ACCRUPAY_CREDENTIALS_KEY: 'not-a-key',
    });
    expectCleanFailure(malformed);
    expect(malformed.output).toContain('ACCRUPAY_CREDENTIALS_KEY must hold a 32-byte key');
  });

  test('an unreachable PostgreSQL, naming the URL without its password', async () => {
    const result = await run(['start', '--port', '0'], {
      DATABASE_URL: 'postgres://someone:s3cret@127.0.0.1:1/nowhere',
    });
    expectCleanFailure(result);
    expect(result.output).toContain(
      'Cannot open the database postgres://someone:***@127.0.0.1:1/nowhere',
    );
    expect(result.output).toContain('Check the URL (--db or DATABASE_URL');
    expect(result.output).not.toContain('s3cret');
  });

  test('a --db under a path that is a file', async () => {
    const result = await run(['start', '--port', '0', '--db', join(CLI, 'sandbox.db')]);
    expectCleanFailure(result);
    expect(result.output).toContain(
      `Cannot open the database ${join(CLI, 'sandbox.db')}: cannot create its directory ${CLI}`,
    );
    expect(result.output).toContain('Choose a path whose parents are directories');
  });

  test('an empty or partly numeric port, a bad --provider-url, --origin or LOG_LEVEL, with the usage', async () => {
    for (const args of [
      ['--port', ''],
      ['--port', '80x'],
      ['--sim-port', '-1'],
      ['--port', '65535'],
    ]) {
      const result = await run(['start', ...args, '--db', ':memory:']);
      expectCleanFailure(result, 2);
      expect(result.output).toContain(args[0]);
      expect(result.output).toContain('Usage:');
    }
    const url = await run(['start', '--provider-url', 'localhost:4010', '--db', ':memory:']);
    expectCleanFailure(url, 2);
    expect(url.output).toContain('--provider-url must be an http(s) URL');
    const origin = await run(['start', '--origin', 'http://localhost:5173/', '--db', ':memory:']);
    expectCleanFailure(origin, 2);
    expect(origin.output).toContain('--origin must be an origin such as');
    expect(origin.output).toContain('use http://localhost:5173');
    const level = await run(['start', '--db', ':memory:'], { LOG_LEVEL: 'verbose' });
    expectCleanFailure(level, 2);
    expect(level.output).toContain('LOG_LEVEL must be one of');
  });
});
