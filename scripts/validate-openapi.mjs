// Validates an OpenAPI document (a file path, or - for stdin) against the OpenAPI 3.x schemas.
// Prints {"valid": true} or {"valid": false, "errors": [...]} and exits 0 / 1.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';

const source = process.argv[2] === '-' || !process.argv[2] ? readFileSync(0, 'utf8') : readFileSync(process.argv[2], 'utf8');
const result = await new Validator().validate(JSON.parse(source));
process.stdout.write(`${JSON.stringify({ valid: result.valid, version: result.version, errors: result.errors })}\n`);
process.exit(result.valid ? 0 : 1);
