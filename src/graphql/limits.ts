import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import type { GraphqlLimits } from '../config';

/**
 * Root fields that check a secret (a password, a code, a token or a PIN), or that cost a
 * password hash or send mail. At most one of them per operation: aliases, fragments and
 * batching must not multiply guesses or expensive work in one request (the limits inside
 * each operation hold regardless, counted per field; this keeps one request from even trying).
 */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
  'login',
  'token',
  'refresh',
  'verifyEmail',
  'resetPassword',
  'signupVerify',
  'customerVerify',
  'customerRefresh',
  'confirmPin',
  'setMyPin',
  'removeMyPin',
  'verifyMfa',
  'stepUp',
  'confirmTotpEnrollment',
  'disableTotp',
  'finishPasskeyLogin',
  'changePassword',
  'changeEmail',
  'confirmEmailChange',
  'deleteAccount',
]);
export const COSTLY_FIELDS: ReadonlySet<string> = new Set([
  'register',
  'createAdmin',
  'signup',
  'forgotPassword',
  'resendVerification',
  'customerLogin',
  'setCustomerPin',
  // Ten new codes and a notice mailed through the shared outbox, each time.
  'regenerateRecoveryCodes',
]);
const isSingleUseField = (name: string) => CREDENTIAL_FIELDS.has(name) || COSTLY_FIELDS.has(name);

export const singleCredentialCheck: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(operation) {
    let count = 0;
    const visit = (selections: readonly import('graphql').SelectionNode[], seen: Set<string>): void => {
      for (const selection of selections) {
        if (selection.kind === Kind.FIELD && isSingleUseField(selection.name.value)) count += 1;
        else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet.selections, seen);
        else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) visit(fragment.selectionSet.selections, seen);
        }
      }
    };
    visit(operation.selectionSet.selections, new Set());
    if (count > 1) {
      context.reportError(new GraphQLError(`At most one credential check (login, token, code or PIN) or costly mutation (register, signup, mail, PIN) per operation; this one has ${count}.`, { nodes: [operation] }));
    }
  },
});

/**
 * graphql-armor's depth, alias, directive and cost limits (validation rules: 400
 * GRAPHQL_VALIDATION_FAILED), plus the rule above, and the token limit as a parse option.
 *
 * The token limit is graphql-js's own `maxLexicalTokens`, not armor's maxTokens plugin: that
 * plugin parses the document a second time inside Apollo's `parsingDidStart` hook, outside
 * Apollo's own parse `try`, so every syntax error (not only too many tokens) escaped as an
 * unexpected error and answered 500. Inside Apollo's parse it is a syntax error like any
 * other: 400 GRAPHQL_PARSE_FAILED.
 */
export function graphqlProtection(limits: GraphqlLimits) {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  }).protect();
  return {
    plugins: armor.plugins,
    validationRules: [...armor.validationRules, singleCredentialCheck],
    parseOptions: { maxLexicalTokens: limits.maxTokens },
  };
}
