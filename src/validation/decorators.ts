import { ValidateBy, type ValidationOptions } from 'class-validator';
import { validateEmail } from '../pydantic/email-validator';
import { isCommonPassword } from '../lib/passwords';

export const IS_EMAIL_ADDRESS = 'isEmailAddress';

/**
 * An email address as pydantic's `EmailStr` accepts it (python email-validator rules,
 * deliverability off). The bridge reads this declaration to produce the FastAPI 422 and
 * to normalise the address (domain lower-cased, local part kept).
 */
export function IsEmailAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_EMAIL_ADDRESS,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && validateEmail(value).ok,
        defaultMessage: () => 'value is not a valid email address',
      },
    },
    options,
  );
}

export const IS_NOT_COMMON_PASSWORD = 'isNotCommonPassword';
export const COMMON_PASSWORD_MESSAGE = 'This password is too common';

/**
 * Refuses passwords on the breached/common list (CONTRACT section 3): a pydantic
 * `value_error` "Value error, This password is too common", after the length checks.
 */
export function IsNotCommonPassword(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_NOT_COMMON_PASSWORD,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !isCommonPassword(value),
        defaultMessage: () => COMMON_PASSWORD_MESSAGE,
      },
    },
    options,
  );
}
