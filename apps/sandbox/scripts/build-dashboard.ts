// Builds the dashboard's page, script and styles into dist/dashboard (run by build, start and test).
import { relative } from 'node:path';
import { buildDashboard } from '../src/dashboard/build.ts';

const started = Date.now();
const { outDir, bytes } = await buildDashboard();
const sizes = Object.entries(bytes)
  .map(([file, size]) => `${relative(outDir, file) || file} ${(size / 1024).toFixed(0)} kB`)
  .join(', ');
console.log(
  `dashboard built in ${Date.now() - started} ms: ${relative(process.cwd(), outDir)} (${sizes})`,
);
