// Packs @accrupay/sandbox and the workspace packages it needs with `pnpm pack` and installs the
// tarballs into an empty project, as a merchant would get them from the registry. Used by
// src/packed.browser.test.ts; by hand: `pnpm --filter @accrupay/sandbox exec tsx scripts/pack-sandbox.ts DIR`
// then `cd DIR/project && npx accrupay-sandbox start`.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The monorepo's root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The workspace packages the sandbox needs at run time, in the order they are packed. */
export const PACKED_PACKAGES = [
  'packages/contracts',
  'packages/node-sdk',
  'packages/react-sdk',
  'packages/provider-sim',
  'apps/sandbox',
] as const;

/** One `pnpm pack` tarball: its package.json as packed and the files it holds. */
export interface PackedPackage {
  name: string;
  tarball: string;
  manifest: Record<string, unknown>;
  files: string[];
}

/** The fields of a package.json that tell Node and TypeScript which files a package exposes. */
const ENTRY_FIELDS = ['exports', 'main', 'module', 'types', 'typings', 'bin', 'browser'] as const;

/** Every path in a manifest's entry fields (exports, main, types, bin...) that points into `src/`. */
export function sourceEntries(manifest: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, at: string) => {
    if (typeof value === 'string') {
      if (/(^|\/)src\//.test(value)) found.push(`${at}: ${value}`);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value))
        walk(inner, `${at}[${JSON.stringify(key)}]`);
    }
  };
  for (const field of ENTRY_FIELDS) walk(manifest[field], field);
  return found;
}

/**
 * A workspace `exports` map as it should be published: without the `@accrupay/source` condition,
 * and without the entries that had nothing else (such as `./testing`).
 */
export function withoutSourceCondition(exports: unknown): unknown {
  if (!exports || typeof exports !== 'object') return exports;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    if (key === '@accrupay/source') continue;
    const inner = withoutSourceCondition(value);
    if (inner && typeof inner === 'object' && Object.keys(inner).length === 0) continue;
    kept[key] = inner;
  }
  return kept;
}

// What pnpm's script runner and the workspace add to the environment; the user's own npm_config_*
// settings (registry, cache, proxy) are kept.
const WORKSPACE_ENV =
  /^(npm_(lifecycle|package)_|npm_(command|execpath|node_execpath|config_user_agent)$|pnpm_|PNPM_|INIT_CWD$|NODE_OPTIONS$)/;

/** The environment of a merchant's shell: this process's, without what pnpm and the workspace add. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!WORKSPACE_ENV.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function exec(command: string, args: string[], cwd: string, env = process.env) {
  try {
    return await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
      { cause: error },
    );
  }
}

/** Builds the sandbox and the packages it depends on with turbo (cached when nothing changed). */
export async function buildPackages(): Promise<void> {
  await exec(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@accrupay/sandbox...', '--output-logs=errors-only'],
    REPO_ROOT,
  );
}

/** `pnpm pack`s each of {@link PACKED_PACKAGES} into `dir`, which applies their `publishConfig`. */
export async function packPackages(dir: string): Promise<PackedPackage[]> {
  mkdirSync(dir, { recursive: true });
  const packed: PackedPackage[] = [];
  for (const folder of PACKED_PACKAGES) {
    const { stdout } = await exec(
      'pnpm',
      ['pack', '--pack-destination', dir, '--json'],
      join(REPO_ROOT, folder),
    );
    const { name, filename } = JSON.parse(stdout) as { name: string; filename: string };
    const tarball = resolve(dir, filename);
    const manifest = JSON.parse(
      (await exec('tar', ['-xzOf', tarball, 'package/package.json'], dir)).stdout,
    ) as Record<string, unknown>;
    const files = (await exec('tar', ['-tzf', tarball], dir)).stdout
      .split('\n')
      .filter(Boolean)
      .map((file) => file.replace(/^package\//, ''));
    packed.push({ name, tarball, manifest, files });
  }
  return packed;
}

/**
 * Creates `dir` as an empty project depending on the packed sandbox and installs it with npm: every
 * `@accrupay/*` package comes from its tarball (npm `overrides`), the rest from the registry or
 * npm's cache. Install scripts are skipped: better-sqlite3 would download its prebuilt binary from
 * GitHub or compile it for minutes, so the workspace's binary (same version, same Node) is copied.
 */
export async function installPacked(dir: string, packed: PackedPackage[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const fileSpec = (pkg: PackedPackage) => `file:${pkg.tarball}`;
  const sandbox = packed.find((pkg) => pkg.name === '@accrupay/sandbox');
  if (!sandbox) throw new Error('the sandbox was not packed');
  const sqlite = workspaceBetterSqlite();
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'accrupay-sandbox-consumer',
        private: true,
        type: 'module',
        dependencies: { '@accrupay/sandbox': fileSpec(sandbox) },
        overrides: {
          ...Object.fromEntries(
            packed.filter((pkg) => pkg !== sandbox).map((pkg) => [pkg.name, fileSpec(pkg)]),
          ),
          'better-sqlite3': sqlite.version,
        },
      },
      null,
      2,
    )}\n`,
  );
  await exec(
    'npm',
    ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
    dir,
    cleanEnv(),
  );
  const installed = join(dir, 'node_modules', 'better-sqlite3');
  const version = (
    JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }
  ).version;
  if (version !== sqlite.version) {
    throw new Error(`npm installed better-sqlite3 ${version}, the workspace has ${sqlite.version}`);
  }
  mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
  copyFileSync(sqlite.binary, join(installed, 'build', 'Release', 'better_sqlite3.node'));
}

function workspaceBetterSqlite(): { version: string; binary: string } {
  const require = createRequire(join(REPO_ROOT, 'apps/sandbox/package.json'));
  const manifest = require.resolve('better-sqlite3/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const binary = join(manifest, '..', 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binary)) {
    throw new Error(`the workspace's better-sqlite3 is not built: ${binary} is missing`);
  }
  return { version, binary };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? 'packed-sandbox');
  const started = Date.now();
  await buildPackages();
  const packed = await packPackages(join(dir, 'tarballs'));
  await installPacked(join(dir, 'project'), packed);
  console.log(
    `packed ${packed.length} packages and installed them in ${join(dir, 'project')} in ${Date.now() - started} ms: cd there and run npx accrupay-sandbox start`,
  );
}
