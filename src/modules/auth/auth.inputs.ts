import { Length, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress, IsNotCommonPassword } from '../../validation/decorators';

/** CONTRACT section 4, /auth: field order is the legacy model order (it orders the 422 list). */
@InputType()
export class RegisterInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @Length(8, 128)
  @IsNotCommonPassword()
  password!: string;
}

@InputType()
export class LoginInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @Length(1, 128)
  password!: string;
}

/** `/auth/token`: HTTP Basic credentials, taken as they come (no email syntax check). */
@InputType()
export class TokenCredentialsInput {
  @Field()
  @MaxLength(1024)
  email!: string;

  @Field()
  @MaxLength(1024)
  password!: string;
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
  @Length(8, 128)
  @IsNotCommonPassword()
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
