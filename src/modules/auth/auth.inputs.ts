import { Length, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress, IsNotCommonPassword } from '../../validation/decorators';

/**
 * The second factor sent with the password (issue 18): optional, so callers of accounts
 * without one are unaffected (and the legacy service ignored unknown fields anyway).
 */
const OTP_DESCRIPTION = 'A TOTP or recovery code, for an account with a second factor (absent or "": MFA_REQUIRED for such an account; ignored for others).';

/**
 * A password an account is given (register, reset, change): 8..128 characters and not on the
 * breached-password list (CONTRACT section 3). Declared once for every input that sets one.
 */
export function IsNewPassword(): PropertyDecorator {
  return (target, property) => {
    Length(8, 128)(target, property);
    IsNotCommonPassword()(target, property);
  };
}

/** A password typed to prove who one is (login, re-authentication): 1..128 characters, as login takes it. */
export function IsTypedPassword(): PropertyDecorator {
  return Length(1, 128);
}

/** CONTRACT section 4, /auth: field order is the legacy model order (it orders the 422 list). */
@InputType()
export class RegisterInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @IsNewPassword()
  password!: string;
}

@InputType()
export class LoginInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @IsTypedPassword()
  password!: string;

  @Field({ nullable: true, description: OTP_DESCRIPTION })
  @MaxLength(64)
  otp?: string;
}

/**
 * `/auth/token`: HTTP Basic credentials, taken as they come (no email syntax check), and as
 * `otp` the `X-OTP` header or a string `otp` of the body (the endpoint has no body model: a
 * body is only searched for that string, so old callers' bodies get the answers they got).
 */
@InputType()
export class TokenCredentialsInput {
  @Field()
  @MaxLength(1024)
  email!: string;

  @Field()
  @MaxLength(1024)
  password!: string;

  // No length rule: on REST this is a header or a loose body field, never a 422 (the endpoint
  // never had one); a code of the wrong length is simply a wrong code.
  @Field({ nullable: true, description: OTP_DESCRIPTION })
  otp?: string;
}

@InputType()
export class RefreshInput {
  @Field({ defaultValue: '', description: 'The refresh token; "" means "take it from the cookie" (REST).' })
  refreshToken!: string;
}

@InputType()
export class EmailInput {
  @Field()
  @IsEmailAddress()
  email!: string;
}

@InputType()
export class ResetPasswordInput {
  @Field()
  @IsNewPassword()
  newPassword!: string;

  @Field()
  @Length(1, 256)
  token!: string;
}

@InputType()
export class VerifyEmailInput {
  @Field()
  @Length(6, 6)
  code!: string;

  @Field()
  @IsEmailAddress()
  email!: string;
}
