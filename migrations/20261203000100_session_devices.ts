import type { Knex } from 'knex';

/**
 * Sessions per device (issue 18): where a session was started (user agent and client IP, as
 * the request that signed in sent them), when it was last used (written at most once a minute),
 * and how its person proved who they are: `amr` (the methods, space-separated, RFC 8176 names
 * plus `webauthn`) and `acr` (`aal1` or `aal2`), and when they last did (`authenticated_at`: the
 * sign-in, or the latest step-up; access tokens carry it as OIDC's `auth_time`). Refreshing a
 * session carries its assurance into every new access token; a step-up raises it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.string('user_agent', 512).nullable();
    t.string('ip', 64).nullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.string('amr', 64).notNullable().defaultTo('pwd');
    t.string('acr', 8).notNullable().defaultTo('aal1');
    t.timestamp('authenticated_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('user_agent');
    t.dropColumn('ip');
    t.dropColumn('last_used_at');
    t.dropColumn('amr');
    t.dropColumn('acr');
    t.dropColumn('authenticated_at');
  });
}
