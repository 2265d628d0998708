import type { Knex } from 'knex';

/**
 * A rotated refresh token keeps its child sealed with a key derived from itself (AES-256-GCM),
 * so that presenting it again within the grace window answers with that same child instead
 * of minting an independent branch. Only a holder of the parent token can open it; the
 * database still holds no usable token.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refresh_tokens', (t) => {
    t.text('child_sealed').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refresh_tokens', (t) => {
    t.dropColumn('child_sealed');
  });
}
