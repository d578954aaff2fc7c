import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startSandbox } from './sandbox.ts';
import { startupFixture } from './startup-support.ts';
import { openStore } from './store/open-store.ts';
import { POSTGRES_URL, skipPostgres } from './store/test-support.ts';

const SKIP_POSTGRES = await skipPostgres();
const fixture = startupFixture('accrupay-startup-');
const existingDatabase = () => fixture.existingDatabase('sandbox.db');

describe('start-up checks', () => {
  test('a read-only database file is refused at open, naming the file and the fix', async () => {
    const file = await existingDatabase();
    fixture.readOnly(file);
    const error = await openStore(file).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain(`The database file ${file} is not writable`);
    expect(error?.message).toContain('--db');
    await expect(startSandbox({ db: file, logger: false })).rejects.toThrow(
      `The database file ${file} is not writable`,
    );
  });

  test('a read-only directory of the database is refused at open', async () => {
    const file = await existingDatabase();
    const dir = fixture.dir();
    fixture.readOnly(dir);
    await expect(openStore(file)).rejects.toThrow(
      `make the file and its directory ${dir} writable`,
    );
  });

  test('a directory given as the database file is named as such', async () => {
    const dir = fixture.dir();
    await expect(openStore(dir)).rejects.toThrow(
      `Cannot open the database ${dir}: it is a directory. Give --db (or DATABASE_URL) a file path, such as ${join(dir, 'sandbox.db')}.`,
    );
  });

  test('a port in use names --port for the router and --sim-port for the simulator', async () => {
    const port = await fixture.takenPort();
    await expect(startSandbox({ db: ':memory:', port, simPort: 0, logger: false })).rejects.toThrow(
      `Port ${port} on 127.0.0.1 (the router's port) is already in use`,
    );
    await expect(
      startSandbox({ db: ':memory:', port: 0, simPort: port, logger: false }),
    ).rejects.toThrow(/Port \d+ on 127\.0\.0\.1 \(the embedded simulator's port\) .*--sim-port/);
  });

  test('an unreachable PostgreSQL and a malformed URL say what to check', async () => {
    await expect(openStore('postgres://someone@127.0.0.1:1/nowhere')).rejects.toThrow(
      /Cannot open the database postgres:\/\/someone@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED.*Check the URL \(--db or DATABASE_URL/,
    );
    await expect(openStore('postgres://someone:pw@127.0.0.1:port/db')).rejects.toThrow(
      'The PostgreSQL URL postgres://someone:***@127.0.0.1:port/db is not a valid URL',
    );
  });

  test.skipIf(SKIP_POSTGRES)(
    'a read-only PostgreSQL is refused at open, saying what to connect to',
    async () => {
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', '-c default_transaction_read_only=on');
      await expect(openStore(url.toString())).rejects.toThrow(
        /does not accept writes \(cannot execute CREATE TABLE in a read-only transaction\): connect to a primary/,
      );
    },
  );
});
