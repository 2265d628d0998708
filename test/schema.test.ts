import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printGatewaySchema } from '../src/graphql/schema';
import { checkSchemaFile, SCHEMA_FILE } from '../src/graphql/schema-file';

describe('schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema:emit` after changing the API)', () => {
    const result = checkSchemaFile(printGatewaySchema());
    if (!result.ok) {
      throw new Error(`schema.graphql drifted at line ${result.firstDifference.line}: ${JSON.stringify(result.firstDifference)}`);
    }
    expect(result.ok).toBe(true);
  });

  it('the drift check names the first line that differs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
    const file = path.join(dir, 'schema.graphql');
    const current = printGatewaySchema();
    fs.writeFileSync(file, current.replace('publicPlans(tenantSlug: String!)', 'publicPlans(slug: String!)'));
    const result = checkSchemaFile(current, file);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.firstDifference.committed).toContain('publicPlans(slug: String!)');
      expect(result.firstDifference.current).toContain('publicPlans(tenantSlug: String!)');
    }
    fs.rmSync(dir, { recursive: true });
  });

  it('lives at the repository root', () => {
    expect(SCHEMA_FILE).toBe(path.resolve(__dirname, '..', 'schema.graphql'));
  });
});
