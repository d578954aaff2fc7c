import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../src/openapi.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../dist/openapi.json', import.meta.url),
  serializeOpenApiDocument(generateOpenApiDocument(pkg.version)),
);
