import { isEnumType, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { VALIDATION_ERROR_CODE } from '../lib/errors';

/** graphql-js's wording for a value outside an enum, as a literal or as a variable (graphql 16). */
const ENUM_MISMATCH = /(?:Enum "(\w+)" cannot represent|does not exist in "(\w+)" enum)/;

/**
 * A value outside an enum is the caller's input error, not a malformed document: it answers
 * `BAD_USER_INPUT` naming the allowed values (`extensions.allowedValues`), whether it came as a
 * literal (a validation error for graphql-js) or in a variable. Returns undefined for any
 * other error.
 */
export function enumInputError(schema: GraphQLSchema): (formatted: GraphQLFormattedError) => GraphQLFormattedError | undefined {
  return (formatted) => {
    const match = ENUM_MISMATCH.exec(formatted.message);
    const type = match && schema.getType(match[1] ?? match[2]);
    if (!type || !isEnumType(type)) return undefined;
    const allowedValues = type.getValues().map((value) => value.name);
    const message = `${formatted.message.replace(/ Did you mean .*$/, '')} Expected one of: ${allowedValues.join(', ')}.`;
    return { ...formatted, message, extensions: { ...formatted.extensions, code: VALIDATION_ERROR_CODE, allowedValues } };
  };
}
