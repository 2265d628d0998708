import { registerEnumType } from 'type-graphql';

/** A person's role in a tenant. Owners hold the tenant; admins run it; members only read. */
export enum MemberRole {
  owner = 'owner',
  admin = 'admin',
  member = 'member',
}
registerEnumType(MemberRole, {
  name: 'MemberRole',
  description: 'owner: holds the tenant (only owners make or remove owners); admin: manages the tenant and its members; member: reads.',
});
