import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';

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
