import { Field, Int, ObjectType } from 'type-graphql';
import { inWords } from '../../lib/durations';
import { OPERATOR_ACCESS_TTL_SECONDS } from '../auth/auth.types';
import { RECOVERY_CODE_COUNT } from './second-factor';

@ObjectType({ simpleResolvers: true, description: 'A TOTP secret waiting for its first code (confirmTotpEnrollment).' })
export class TotpEnrollment {
  @Field({ description: 'The base32 secret, for typing into an authenticator app by hand.' })
  secret!: string;

  @Field({ description: 'The same secret as an otpauth:// URI, for a QR code (SHA-1, 6 digits, 30 seconds).' })
  otpauthUri!: string;
}

@ObjectType({ simpleResolvers: true })
export class RecoveryCodes {
  @Field(() => [String], { description: `${RECOVERY_CODE_COUNT} single-use codes (xxxxx-xxxxx), shown this once: each replaces a TOTP code one time.` })
  codes!: string[];
}

@ObjectType({ simpleResolvers: true, description: `A new access token for the same session, at the raised assurance (it lives ${inWords(OPERATOR_ACCESS_TTL_SECONDS * 1000)}; refreshes of the session keep the assurance).` })
export class StepUp {
  @Field()
  accessToken!: string;

  @Field(() => Int)
  expiresIn!: number;

  @Field()
  tokenType!: string;

  @Field(() => [String], { description: 'The methods the session has proved (RFC 8176: pwd, otp, webauthn, email).' })
  amr!: string[];

  @Field({ description: 'aal1 or aal2.' })
  acr!: string;
}

@ObjectType({ simpleResolvers: true })
export class MfaStatus {
  @Field({ description: 'TOTP is confirmed and on: signing in needs a code.' })
  totpEnabled!: boolean;

  @Field(() => Int, { description: 'Unused recovery codes left.' })
  recoveryCodesLeft!: number;
}
