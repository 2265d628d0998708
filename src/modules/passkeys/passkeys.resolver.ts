import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type OperatorPrincipal } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { isUniqueViolation } from '../../db/errors';
import { recordAudit } from '../../lib/audit';
import { inWords } from '../../lib/durations';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { Issue } from '../../pydantic/issues';
import { inputValidationError } from '../../validation/errors';
import { startSession } from '../auth/auth.resolver';
import { TokenPair } from '../auth/auth.types';
import { checkOneTimeSecret } from '../auth/credential-checks';
import { PASSKEY, toPasskey, transportList, type PasskeyRow } from './passkeys';
import { Passkey } from './passkeys.types';
import { CHALLENGE_TTL_MS, RP_NAME, challengeOf, consumeChallenge, isRecord, knownTransports, storeChallenge, userHandle, userHandleText } from './webauthn';
import { RequiresStepUp } from '../access/step-up';
import { securityChangeMail } from '../account/account.mail';
import { takeFactorChange } from '../account/factor-changes';

const NAME_MAX_LENGTH = 100;
/** Longer than any address we store (users.email is 320 characters). */
const EMAIL_MAX_LENGTH = 320;
/** WebAuthn credential ids are at most 1,023 bytes (level 3: longer ones are refused): 1,364 base64url characters. */
const CREDENTIAL_ID_MAX_LENGTH = 1364;

const iso = (date: Date) => date.toISOString();

/** The passkey's name: the one given (trimmed, 1 to 100 characters), else the day it was added. */
function passkeyName(name: string | null | undefined, now: Date): string {
  if (name === undefined || name === null) return `Passkey added ${iso(now).slice(0, 10)}`;
  const trimmed = name.trim();
  if (trimmed.length === 0) throw inputValidationError([Issue.stringTooShort(['name'], name, 1)]);
  if (trimmed.length > NAME_MAX_LENGTH) throw inputValidationError([Issue.stringTooLong(['name'], name, NAME_MAX_LENGTH)]);
  return trimmed;
}

interface PasskeyLogin {
  user: { id: string; email_verified: boolean };
  passkeyId: string;
}

/**
 * Verifies a sign-in assertion, or says undefined for any reason it fails (one answer to the
 * caller, `PASSKEY_INVALID`). In order: its challenge is used up (single use, unexpired, issued
 * for a sign-in); the credential is one of ours; a user handle, when the authenticator gives one,
 * names the passkey's owner; @simplewebauthn/server checks type, origin, RP ID, user presence
 * and verification and the signature; last, the signature counter must have gone up.
 */
async function verifyAssertion(ctx: GqlContext, response: unknown): Promise<PasskeyLogin | undefined> {
  const now = ctx.clock.now();
  const challenge = challengeOf(response);
  if (challenge === undefined || !(await consumeChallenge(ctx.db, challenge, 'login', null, now))) return undefined;
  const credentialId = isRecord(response) ? response.id : undefined;
  if (typeof credentialId !== 'string' || credentialId.length === 0 || credentialId.length > CREDENTIAL_ID_MAX_LENGTH) return undefined;
  const row: (PasskeyRow & { email_verified: boolean | number }) | undefined = await ctx.db('passkeys')
    .join('users', 'users.id', 'passkeys.user_id')
    .where('passkeys.credential_id', credentialId)
    .first('passkeys.*', 'users.email_verified');
  if (!row) return undefined;
  const handle = isRecord(response) && isRecord(response.response) ? response.response.userHandle : undefined;
  if (handle !== undefined && handle !== null && handle !== userHandleText(row.user_id)) return undefined;

  const storedCounter = Number(row.counter);
  let info;
  try {
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: ctx.config.webauthn.origins,
      expectedRPID: ctx.config.webauthn.rpId,
      // The counter is checked below, once the signature is known to be genuine: a forged
      // assertion must not be able to raise a clone alarm.
      credential: { id: row.credential_id, publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')), counter: 0 },
      requireUserVerification: true,
    });
    if (!verification.verified) return undefined;
    info = verification.authenticationInfo;
  } catch {
    return undefined;
  }

  // WebAuthn's clone check: when either counter is non-zero the new one must be greater. It is
  // a conditional UPDATE, so two assertions with one counter value cannot both pass.
  const received = info.newCounter;
  const advanced = await ctx.db('passkeys')
    .where('id', row.id)
    .andWhere((query) => (received === 0 ? query.where('counter', 0) : query.where('counter', '<', received)))
    .update({ counter: received, backed_up: info.credentialBackedUp, last_used_at: iso(now) });
  if (advanced !== 1) {
    if ((await ctx.db('passkeys').where('id', row.id).first('id')) !== undefined) {
      ctx.log.warn({ requestId: ctx.requestId, passkeyId: row.id, storedCounter, received }, 'passkey signature counter did not increase: cloned authenticator suspected, sign-in refused');
      await recordAudit(requestContext(ctx), ctx.db, {
        tenantId: null,
        action: 'passkey.clone_detected',
        targetKind: 'passkey',
        targetId: row.id,
        details: { userId: row.user_id, storedCounter, receivedCounter: received },
      });
    }
    return undefined;
  }
  return { user: { id: row.user_id, email_verified: Boolean(row.email_verified) }, passkeyId: row.id };
}

/**
 * Passkeys (WebAuthn) of operators: add one while signed in, sign in with one, list and remove
 * them. Ceremonies are two calls: `start*` answers the options for the browser's
 * `navigator.credentials.create/get` (as JSON, WebAuthn's `PublicKeyCredential*OptionsJSON`),
 * `finish*` takes its response (the credential's `toJSON()`). docs/security.md, "Passkeys".
 */
@Resolver()
export class PasskeyResolver {
  @Authorized(Role.VerifiedOperator)
  @Mutation(() => GraphQLJSON, {
    description: `Options to create a passkey for the signed-in operator (navigator.credentials.create). Valid ${inWords(CHALLENGE_TTL_MS)}, once.`,
  })
  @RequiresStepUp()
  async startPasskeyRegistration(@Ctx() ctx: GqlContext): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const principal = ctx.principal as OperatorPrincipal;
    await takeFactorChange(ctx, principal.userId);
    const existing: Array<Pick<PasskeyRow, 'credential_id' | 'transports'>> = await ctx.db('passkeys').where({ user_id: principal.userId }).select('credential_id', 'transports');
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: ctx.config.webauthn.rpId,
      userName: principal.email,
      userDisplayName: principal.email,
      userID: userHandle(principal.userId),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      // An authenticator that already holds one of this operator's passkeys is not asked again.
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credential_id, transports: knownTransports(transportList(passkey.transports)) })),
      // Discoverable where the authenticator can (sign-in without typing an address); a
      // security key that cannot store one still works when the address is given.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await storeChallenge(ctx.db, options.challenge, 'registration', principal.userId, ctx.clock.now());
    return options;
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => Boolean, { description: 'Stores the passkey the browser created for the options of startPasskeyRegistration. `name` tells passkeys apart (default: the day it was added).' })
  @RequiresStepUp()
  async finishPasskeyRegistration(
    @Arg('response', () => GraphQLJSON) response: unknown,
    @Arg('name', () => String, { nullable: true }) name: string | null | undefined,
    @Ctx() ctx: GqlContext,
  ): Promise<boolean> {
    const principal = ctx.principal as OperatorPrincipal;
    const now = ctx.clock.now();
    const passkeyNameToStore = passkeyName(name, now);
    // Bound to this operator: someone else's response (or a sign-in's) cannot use it up.
    const challenge = challengeOf(response);
    if (challenge === undefined || !(await consumeChallenge(ctx.db, challenge, 'registration', principal.userId, now))) throw new DomainError('PASSKEY_INVALID');
    let registration;
    try {
      const verification = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: ctx.config.webauthn.origins,
        expectedRPID: ctx.config.webauthn.rpId,
        // The operator is signed in already; user verification is what every sign-in with the
        // passkey requires (an authenticator asks for its PIN then).
        requireUserVerification: false,
      });
      if (!verification.verified) throw new DomainError('PASSKEY_INVALID');
      registration = verification.registrationInfo;
      // The library takes the id from the authenticator data without bounding it.
      const { id } = registration.credential;
      if (id.length > CREDENTIAL_ID_MAX_LENGTH || !isRecord(response) || response.id !== id) throw new DomainError('PASSKEY_INVALID');
    } catch {
      throw new DomainError('PASSKEY_INVALID');
    }
    const id = newId();
    try {
      await ctx.db.transaction(async (trx) => {
        await trx('passkeys').insert({
          id,
          user_id: principal.userId,
          credential_id: registration.credential.id,
          public_key: Buffer.from(registration.credential.publicKey).toString('base64url'),
          counter: registration.credential.counter,
          transports: knownTransports(registration.credential.transports).join(' '),
          device_type: registration.credentialDeviceType,
          backed_up: registration.credentialBackedUp,
          name: passkeyNameToStore,
          created_at: iso(now),
          last_used_at: null,
        });
        await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'passkey.registered', targetKind: 'passkey', targetId: id });
        await ctx.outbox.enqueue(trx, securityChangeMail(principal.email, 'passkey_added'));
      });
    } catch (error) {
      // A credential id registered already (to this operator or another): never two owners.
      if (isUniqueViolation(error)) throw new DomainError('PASSKEY_INVALID');
      throw error;
    }
    return true;
  }

  /**
   * No address: the authenticator offers the passkeys it holds for us (discoverable). With an
   * address that has passkeys: those (so a security key that stores none works too). An unknown
   * address and one without passkeys are answered like no address at all, after the same one
   * query: the answer cannot tell whether an account exists.
   */
  @Mutation(() => GraphQLJSON, {
    description: `Options to sign in with a passkey (navigator.credentials.get). Without an email any passkey of ours is offered. Valid ${inWords(CHALLENGE_TTL_MS)}, once.`,
  })
  async startPasskeyLogin(@Arg('email', () => String, { nullable: true }) email: string | null | undefined, @Ctx() ctx: GqlContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (typeof email === 'string' && email.length > EMAIL_MAX_LENGTH) throw inputValidationError([Issue.stringTooLong(['email'], email, EMAIL_MAX_LENGTH)]);
    await ctx.limits.take('passkeyLoginsPerIp', ctx.ip);
    const allowed: Array<Pick<PasskeyRow, 'credential_id' | 'transports'>> =
      typeof email === 'string'
        ? await ctx.db('passkeys').join('users', 'users.id', 'passkeys.user_id').where('users.email_lower', emailKey(email)).orderBy('passkeys.created_at').select('passkeys.credential_id', 'passkeys.transports')
        : [];
    const options = await generateAuthenticationOptions({
      rpID: ctx.config.webauthn.rpId,
      allowCredentials: allowed.map((passkey) => ({ id: passkey.credential_id, transports: knownTransports(transportList(passkey.transports)) })),
      timeout: CHALLENGE_TTL_MS,
      userVerification: 'required',
    });
    await storeChallenge(ctx.db, options.challenge, 'login', null, ctx.clock.now());
    return options;
  }

  @Mutation(() => TokenPair, {
    description: 'Signs in with the passkey the browser used for the options of startPasskeyLogin: an aal2 session (amr ["webauthn"]). Failures count toward the client IP\'s login failures.',
  })
  async finishPasskeyLogin(@Arg('response', () => GraphQLJSON) response: unknown, @Ctx() ctx: GqlContext): Promise<TokenPair> {
    let login: PasskeyLogin | undefined;
    let valid: boolean;
    try {
      // Reserved before the check and given back on success, like a password or a code.
      valid = await checkOneTimeSecret(ctx, async () => (login = await verifyAssertion(ctx, response)) !== undefined);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RATE_LIMITED') ctx.metrics.login('locked');
      throw error;
    }
    const signedIn = login as PasskeyLogin | undefined;
    if (!valid || signedIn === undefined) {
      ctx.metrics.login('failure');
      throw new DomainError('PASSKEY_INVALID');
    }
    ctx.metrics.login('success');
    await recordAudit(requestContext(ctx), ctx.db, { tenantId: null, action: 'login.succeeded', targetKind: 'user', targetId: signedIn.user.id, details: { method: 'webauthn', passkeyId: signedIn.passkeyId } });
    return startSession(ctx, signedIn.user, PASSKEY);
  }

  @Authorized(Role.VerifiedOperator)
  @Query(() => [Passkey], { description: "The signed-in operator's passkeys, oldest first." })
  async myPasskeys(@Ctx() ctx: GqlContext): Promise<Passkey[]> {
    const principal = ctx.principal as OperatorPrincipal;
    const rows: PasskeyRow[] = await ctx.db('passkeys').where({ user_id: principal.userId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(toPasskey);
  }

  @Authorized(Role.VerifiedOperator)
  @Mutation(() => Boolean, { description: "Removes one of the signed-in operator's passkeys (someone else's id: PASSKEY_NOT_FOUND, as for an unknown one)." })
  @RequiresStepUp()
  async removePasskey(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    const principal = ctx.principal as OperatorPrincipal;
    await takeFactorChange(ctx, principal.userId);
    const removed = await ctx.db.transaction(async (trx) => {
      const deleted = await trx('passkeys').where({ id, user_id: principal.userId }).delete();
      if (deleted === 1) {
        await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'passkey.removed', targetKind: 'passkey', targetId: id });
        await ctx.outbox.enqueue(trx, securityChangeMail(principal.email, 'passkey_removed'));
      }
      return deleted;
    });
    if (removed !== 1) throw new DomainError('PASSKEY_NOT_FOUND');
    return true;
  }
}
