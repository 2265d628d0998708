import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: "One of the signed-in operator's passkeys (never its key material)." })
export class Passkey {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'A name to tell passkeys apart (given when it was added, or its date).' })
  name!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'The last sign-in with it (null: never).' })
  lastUsedAt!: Date | null;

  @Field({ description: 'Whether the authenticator reported the passkey as backed up (synced to other devices).' })
  backedUp!: boolean;

  @Field({ description: '`multiDevice` (a synced passkey) or `singleDevice` (bound to one authenticator, such as a security key), as WebAuthn names them.' })
  deviceType!: string;

  @Field(() => [String], { description: 'How the browser can reach the authenticator (`internal`, `hybrid`, `usb`, `nfc`, `ble`, `smart-card`, `cable`), as it reported them.' })
  transports!: string[];
}
