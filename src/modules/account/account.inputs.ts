import { Length } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';
import { IsNewPassword, IsTypedPassword } from '../auth/auth.inputs';

/**
 * The account operations take their arguments flat (`changePassword(currentPassword: String!,
 * newPassword: String!)`), as the issue names them; the constraints are the ones register,
 * reset and login declare, validated the same way (`loc` is the argument: `["newPassword"]`).
 */
@ArgsType()
export class ChangePasswordArgs {
  @Field()
  @IsTypedPassword()
  currentPassword!: string;

  @Field()
  @IsNewPassword()
  newPassword!: string;
}

@ArgsType()
export class ChangeEmailArgs {
  @Field()
  @IsEmailAddress()
  newEmail!: string;

  @Field({ description: 'The account password.' })
  @IsTypedPassword()
  password!: string;
}

@ArgsType()
export class ConfirmEmailChangeArgs {
  @Field({ description: 'The 6-digit code mailed to the new address.' })
  @Length(6, 6)
  code!: string;
}

@ArgsType()
export class DeleteAccountArgs {
  @Field({ description: 'The account password.' })
  @IsTypedPassword()
  password!: string;
}
