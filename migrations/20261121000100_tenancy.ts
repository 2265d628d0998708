import type { Knex } from 'knex';

/** Tenants, their members, plans, shared hosting nodes and the instances placed on them. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary();
    t.string('slug', 100).notNullable().unique();
    t.string('name', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  // user_id gains its foreign key when the users table arrives (operator accounts).
  await knex.schema.createTable('tenant_members', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.uuid('user_id').notNullable();
    t.string('role', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'user_id']);
    t.index(['user_id']);
    t.check("?? in ('owner', 'admin', 'member')", ['role'], 'tenant_members_role_valid');
  });

  await knex.schema.createTable('plans', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('name', 50).notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('features').notNullable().defaultTo('[]');
    t.string('price', 50).notNullable();
    t.integer('display_order').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['tenant_id', 'name']);
    t.index(['tenant_id', 'active', 'display_order']);
  });

  await knex.schema.createTable('shared_nodes', (t) => {
    t.uuid('id').primary();
    // NULL: the global pool, usable by every tenant once its own nodes are full.
    t.uuid('tenant_id').nullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('hostname', 253).notNullable().unique();
    t.string('base_domain', 253).notNullable();
    t.integer('capacity').notNullable();
    t.integer('used').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['tenant_id']);
    t.check('?? >= 0', ['capacity'], 'shared_nodes_capacity_non_negative');
    // The placement invariant lives in the database, so no code path can break it.
    t.check('?? >= 0 and ?? <= ??', ['used', 'used', 'capacity'], 'shared_nodes_used_within_capacity');
  });

  await knex.schema.createTable('instances', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.uuid('node_id').notNullable().references('id').inTable('shared_nodes');
    // Site slugs are unique platform-wide so `<slug>.<base domain>` never collides.
    t.string('slug', 63).notNullable().unique();
    t.string('status', 16).notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['tenant_id']);
    t.index(['node_id']);
    t.check("?? in ('active', 'suspended')", ['status'], 'instances_status_valid');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('instances');
  await knex.schema.dropTable('shared_nodes');
  await knex.schema.dropTable('plans');
  await knex.schema.dropTable('tenant_members');
  await knex.schema.dropTable('tenants');
}
