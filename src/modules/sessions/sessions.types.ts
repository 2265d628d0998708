import { Field, ID, ObjectType } from 'type-graphql';
import { LAST_USE_FLUSH_MS } from '../../db/last-use';
import { inWords } from '../../lib/durations';

@ObjectType('Session', {
  simpleResolvers: true,
  description: 'A signed-in device: one sign-in and the refresh tokens rotated from it, while it is live (not revoked, its refresh token unexpired).',
})
export class SessionType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Whether this is the session of the access token making the request.' })
  current!: boolean;

  @Field({ description: 'When it was signed in.' })
  createdAt!: Date;

  @Field({ description: `Its last request or refresh (signing in counts). Uses are written in batches every ${inWords(LAST_USE_FLUSH_MS)}: it may trail the last one by that long.` })
  lastUsedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The User-Agent of the request that signed in (up to 512 characters).' })
  userAgent!: string | null;

  @Field(() => String, { nullable: true, description: 'The client IP of the request that signed in (behind proxies: as TRUST_PROXY allows).' })
  ipAddress!: string | null;
}
