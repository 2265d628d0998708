import { ValidateBy, type ValidationOptions } from 'class-validator';
import { validateEmail } from '../lib/email-validator';

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
