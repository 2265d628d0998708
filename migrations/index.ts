import type { Knex } from 'knex';
import * as tenancy from './20261121000100_tenancy';
import * as mailOutbox from './20261121000200_mail_outbox';
import * as operatorAccounts from './20261121000300_operator_accounts';
import * as customers from './20261121000400_customers';
import * as pinsApiKeysAudit from './20261121000500_pins_api_keys_audit';
import * as auditDetails from './20261202000100_audit_details';
import * as refreshChildSealed from './20261202000200_refresh_child_sealed';
import * as apiKeyBudgets from './20261202000300_api_key_budgets';
import * as pendingSignups from './20261202000400_pending_signups';
import * as mailRequests from './20261202000500_mail_requests';
import * as mailOutboxExpiry from './20261202000600_mail_outbox_expiry';
import * as authChangeNotify from './20261202000700_auth_change_notify';
import * as sessionDevices from './20261203000100_session_devices';
import * as operatorTotp from './20261203000200_operator_totp';
import * as passkeys from './20261203000300_passkeys';
import * as emailChanges from './20261203000400_email_changes';
import * as webhooks from './20261203000500_webhooks';
import * as mailLayouts from './20261204000900_mail_layouts';

/**
 * The migrations in the order they apply. Listed explicitly (rather than read from the
 * folder) so the compiled build, the CLI and ts-jest all run exactly the same set.
 * A new migration is a new timestamped file in this folder plus one line here.
 */
const migrations: ReadonlyArray<readonly [string, Knex.Migration]> = [
  ['20261121000100_tenancy', tenancy],
  ['20261121000200_mail_outbox', mailOutbox],
  ['20261121000300_operator_accounts', operatorAccounts],
  ['20261121000400_customers', customers],
  ['20261121000500_pins_api_keys_audit', pinsApiKeysAudit],
  ['20261202000100_audit_details', auditDetails],
  ['20261202000200_refresh_child_sealed', refreshChildSealed],
  ['20261202000300_api_key_budgets', apiKeyBudgets],
  ['20261202000400_pending_signups', pendingSignups],
  ['20261202000500_mail_requests', mailRequests],
  ['20261202000600_mail_outbox_expiry', mailOutboxExpiry],
  ['20261202000700_auth_change_notify', authChangeNotify],
  ['20261203000100_session_devices', sessionDevices],
  ['20261203000200_operator_totp', operatorTotp],
  ['20261203000300_passkeys', passkeys],
  ['20261203000400_email_changes', emailChanges],
  ['20261203000500_webhooks', webhooks],
  ['20261204000900_mail_layouts', mailLayouts],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Knex.Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
