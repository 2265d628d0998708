import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen`: the frontend's operations (client/operations/) typed against the
 * committed schema, and the trusted-documents manifest the gateway loads
 * (GRAPHQL_TRUSTED_DOCUMENTS; docs/trusted-documents.md). Reads local files only.
 *
 * CODEGEN_OUT (a directory ending in `/`) writes elsewhere: the drift check
 * (scripts/codegen-check.sh) generates into a temporary directory and compares.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/operations/**/*.graphql'],
  generates: {
    [process.env.CODEGEN_OUT ?? 'client/generated/']: {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // `persisted-documents.json`: "sha256:<hex of the printed document>" -> document.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        scalars: { DateTimeISO: 'string' },
        useTypeImports: true,
      },
    },
  },
  silent: true,
};

export default config;
