import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openStore } from './store/open-store.ts';

/**
 * Makes a file or directory read-only for this process, and returns the undo. Root ignores
 * permission bits, so as root the path is made immutable (chattr +i) instead.
 */
export function makeReadOnly(path: string): () => void {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', path], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `Cannot make ${path} read-only for root: chattr +i failed (${String((error as { stderr?: unknown }).stderr ?? error).trim()}). Run these tests as a non-root user, or with TMPDIR on a file system with immutable files (ext4, xfs, btrfs).`,
        { cause: error },
      );
    }
    return () => execFileSync('chattr', ['-i', path]);
  }
  const mode = statSync(path).mode & 0o7777;
  chmodSync(path, mode & ~0o222);
  return () => chmodSync(path, mode);
}

/**
 * What the start-up tests share: a temporary directory per test, and paths made read-only,
 * ports taken and processes started in it, all undone after each test (last first).
 */
export function startupFixture(prefix: string) {
  let dir = '';
  const cleanups: Array<() => unknown> = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    /** This test's directory. */
    dir: () => dir,
    /** Runs `cleanup` after this test, before the directory is removed. */
    onCleanup: (cleanup: () => unknown) => {
      cleanups.push(cleanup);
    },
    /** Makes a path read-only until the test ends. */
    readOnly: (path: string) => {
      cleanups.push(makeReadOnly(path));
    },
    /** A port something listens on until the test ends. */
    async takenPort(): Promise<number> {
      const server = createServer();
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (typeof address !== 'object' || address === null) throw new Error('no port');
      return address.port;
    },
    /** A migrated SQLite database at `relative` in this test's directory. */
    async existingDatabase(relative: string): Promise<string> {
      const file = join(dir, relative);
      const store = await openStore(file);
      await store.migrate();
      await store.close();
      return file;
    },
  };
}
