#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfigFile, parseOptions, SimConfigError, type SimOptions } from './config.ts';
import { createProviderSim } from './sim.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      seed: { type: 'string' },
      db: { type: 'string' },
      'manual-clock': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: accrupay-provider-sim [--port 4010] [--host 127.0.0.1] [--config sim.json] [--seed 1] [--manual-clock] [--db sim.db]\n',
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SimConfigError(`--port: ${values.port} is not a port number (0-65535)`);
  }
  const fromFile = values.config ? await loadConfigFile(values.config) : parseOptions({});
  const options: SimOptions = {
    ...fromFile,
    clock: {
      ...fromFile.clock,
      mode: values['manual-clock'] ? 'manual' : values.config ? fromFile.clock.mode : 'system',
    },
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.db !== undefined ? { db: values.db } : {}),
  };
  if (values.db !== undefined && values.db.trim() === '') {
    throw new SimConfigError('--db: give a file path (or :memory:)');
  }
  const sim = createProviderSim(options);
  const running = await sim.start({ port, host: values.host });
  process.stdout.write(
    [
      `provider-sim listening on ${running.url}`,
      `  stripe:  ${running.url}/stripe/v1`,
      `  nuvei:   ${running.url}/nuvei/ppp/api/v1`,
      `  accrue:  ${running.url}/accrue/v1`,
      `  accrue pay page: ${running.url}/accrue/pay?merchantPublicId=<pk_...>&amount=<minor units>&currency=USD&origin=<parent origin>`,
      `  hosted:  ${running.url}/hosted/card?provider=stripe&token=<client_secret>&origin=<parent origin>`,
      `  control: ${running.url}/__sim (clock: ${options.clock?.mode})`,
      `  db:      ${options.db ?? ':memory:'}`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    void running
      .close()
      .then(() => sim.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
