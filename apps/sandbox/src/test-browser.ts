import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: the browser tests drive it (a test tool's own download cannot work here). */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests of `what` run: Chromium is there, or this is CI, where they must run
 * (and fail without it). Outside CI without Chromium it says why they are skipped.
 */
export function browserTestsRun(what: string): boolean {
  const run = existsSync(CHROMIUM) || Boolean(process.env.CI);
  if (!run) {
    console.warn(
      `Skipping ${what}: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (in CI they must run and fail without it).`,
    );
  }
  return run;
}

/** Fails with the fix when Chromium is missing (in CI, where the browser tests must run). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium).`,
    );
  }
}

/** Headless Chromium with the flags a container needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}
