import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printGatewaySchema } from './schema';

/** Writes `schema.graphql` at the repository root (`npm run schema:emit`). */
const target = path.resolve(__dirname, '..', '..', '..', 'schema.graphql');
writeFileSync(target, printGatewaySchema());
process.stdout.write(`wrote ${target}\n`);
