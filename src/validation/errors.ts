import { GraphQLError } from 'graphql';
import { VALIDATION_ERROR_CODE } from '../lib/errors';
import { toPlainJson } from '../pydantic/json';
import { issueToPy, type ValidationIssue } from '../pydantic/issues';

/**
 * The GraphQL error for invalid input: `BAD_USER_INPUT`, the issues in `extensions.detail`
 * shaped as FastAPI's 422 list, with each `loc` already in the surface's terms (GraphQL names
 * on `/graphql`; the REST bridge answers the list as it is, in FastAPI's).
 */
export function inputValidationError(issues: ValidationIssue[]): GraphQLError {
  return new GraphQLError('Request validation failed', {
    extensions: { code: VALIDATION_ERROR_CODE, detail: issues.map((entry) => toPlainJson(issueToPy(entry))) },
  });
}
