// Summarizes V8 CPU profiles (.cpuprofile, as BENCH_CPU_PROF writes them): the functions with the
// most self time and the most inclusive time (each sample counted once per function on its stack),
// in % of the profile's samples, and which package's code each sample ran in (the leaf frame's
// package) and on whose behalf (the nearest frame of the sandbox's or the simulator's own code).
// Usage: tsx bench/profile-top.ts <file.cpuprofile>... [--top N] [--skip-ms N] (N ms of start-up
// and warm-up left out; default 5000).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const skipAt = args.indexOf('--skip-ms');
const skipMs = skipAt >= 0 ? Number(args[skipAt + 1]) : 5000;
const optionValues = new Set([topAt + 1, skipAt + 1].filter((i) => i > 0));
const files = args.filter((arg, i) => !arg.startsWith('--') && !optionValues.has(i));

/** The package (or Node's internals) a frame's code belongs to. */
function packageOf(url: string): string {
  const dep = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1] ?? '?';
  const own = /\/(apps|packages)\/([^/]+)\/src\/([^/]+)/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node';
  return url === '' ? '(native/vm)' : url;
}
/** The sandbox's or the simulator's own source file nearest the leaf: whose work the sample is. */
function ownerOf(url: string): string | undefined {
  const own = /\/(apps\/sandbox|packages\/provider-sim)\/src\/(.+)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : undefined;
}

/** A short, stable name for a frame: function, file (from the package on) and line. */
function frameName({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/(apps|packages)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    elapsed += dt;
    if (elapsed < skipMs * 1000) return;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const leafPackage = /^\(/.test(name) ? name.trim() : packageOf(node.callFrame.url);
    byPackage.set(leafPackage, (byPackage.get(leafPackage) ?? 0) + dt);
    let owner: string | undefined;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      owner ??= ownerOf(frame.callFrame.url);
      const key = frameName(frame.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
    const ownerKey = owner ?? (/^\(/.test(name) ? name.trim() : '(no sandbox or simulator frame)');
    byOwner.set(ownerKey, (byOwner.get(ownerKey) ?? 0) + dt);
  });
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const idle = (self.get('(idle) ') ?? 0) + (self.get('(program) ') ?? 0);
  console.log(
    `\n${file}: ${(total / 1000).toFixed(0)} ms sampled, ${pct(self.get('(idle) ') ?? 0)} idle`,
  );
  console.log(
    `  (program) ${pct(self.get('(program) ') ?? 0)}, (garbage collector) ${pct(self.get('(garbage collector) ') ?? 0)}; idle+program ${pct(idle)}`,
  );
  console.log('  by package of the leaf frame:');
  for (const [name, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`    ${pct(us)}  ${name}`);
  console.log('  by nearest own source file (sandbox or simulator) on the stack:');
  for (const [name, us] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`    ${pct(us)}  ${name}`);
  console.log('  top self:');
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${pct(us)}  ${name}`);
  console.log('  top inclusive:');
  for (const [name, us] of [...inclusive]
    .filter(([name]) => !/^\((root|program|idle)\)/.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`    ${pct(us)}  ${name}`);
}
