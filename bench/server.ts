import 'reflect-metadata';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';

/**
 * The gateway as the benchmark runs it: the real `buildApp`, listening. (Its reference for the
 * hot path is a separate process, bench/reference.ts, that shares none of this machinery.)
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  await app.listen({ port: config.port, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  // The benchmark asks for the heap still in use after a full collection (retained memory,
  // which RSS only shows through the collector's timing).
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  process.on('SIGUSR2', () => {
    collect();
    process.stdout.write(`heap ${process.memoryUsage().heapUsed}\n`);
  });
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
