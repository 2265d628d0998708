import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printGatewaySchema } from './schema';
import { checkSchemaFile, SCHEMA_FILE } from './schema-file';

/**
 * `npm run schema:emit` writes `schema.graphql` from the code;
 * `npm run schema:check` fails when the committed file has drifted from it.
 */
const current = printGatewaySchema();
if (process.argv.includes('--check')) {
  const result = checkSchemaFile(current);
  if (!result.ok) {
    const { line, committed, current: now } = result.firstDifference;
    process.stderr.write(`schema.graphql is out of date (line ${line}):\n  committed: ${committed}\n  code:      ${now}\nRun: npm run schema:emit\n`);
    process.exit(1);
  }
  process.stdout.write('schema.graphql is up to date\n');
} else {
  writeFileSync(SCHEMA_FILE, current);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
