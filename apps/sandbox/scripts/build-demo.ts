// Bundles the demo shop's checkout page script into dist/demo/checkout.js (run by build).
import { relative } from 'node:path';
import { bundleCheckout, DEFAULT_CHECKOUT_FILE } from '../src/demo/index.ts';

const started = Date.now();
const script = await bundleCheckout({ outFile: DEFAULT_CHECKOUT_FILE });
console.log(
  `demo checkout built in ${Date.now() - started} ms: ${relative(process.cwd(), DEFAULT_CHECKOUT_FILE)} (${(script.length / 1024).toFixed(0)} kB)`,
);
