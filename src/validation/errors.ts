import { GraphQLError } from 'graphql';
import { VALIDATION_ERROR_CODE } from '../lib/errors';
import { toPlainJson } from '../pydantic/json';
import { issueToPy, type ValidationIssue } from '../pydantic/issues';

/** The GraphQL error for invalid input: `BAD_USER_INPUT`, the 422 list in `extensions.detail`. */
export function inputValidationError(issues: ValidationIssue[]): GraphQLError {
  return new GraphQLError('Request validation failed', {
    extensions: { code: VALIDATION_ERROR_CODE, detail: issues.map((entry) => toPlainJson(issueToPy(entry))) },
  });
}
