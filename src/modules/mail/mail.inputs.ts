import { Length, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { IsEmailAddress } from '../../validation/decorators';

/**
 * No quote, backslash, angle bracket or control character: the name is put between quotes in
 * the From header, and must neither end that string nor start another header.
 */
export const SENDER_NAME = /^[^"\\<>\x00-\x1f\x7f]+$/;
/** https only (the image loads in the customer's mail client), a host, no quote, space or angle bracket. */
export const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[^\s"'<>\\]*)?$/;
export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** The whole layout: a field left out or null goes back to the platform default. */
@InputType()
export class MailLayoutInput {
  @Field()
  @Length(1, 100)
  tenantSlug!: string;

  @Field(() => String, { nullable: true })
  @Length(1, 100)
  @Matches(SENDER_NAME)
  senderName?: string | null;

  @Field(() => String, { nullable: true, description: 'Mail goes out from this address through the platform\'s transport: its domain must allow that (SPF/DKIM, docs/mail.md).' })
  @IsEmailAddress()
  @MaxLength(320)
  senderAddress?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(2048)
  @Matches(HTTPS_URL)
  logoUrl?: string | null;

  @Field(() => String, { nullable: true })
  @Matches(HEX_COLOR)
  primaryColor?: string | null;
}

/** A language tag as mail needs it: `en`, `de`, `de-AT`. Unknown languages are kept (English until templates exist). */
export const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;

@ArgsType()
export class PortalLocaleArgs {
  @Field({ description: '`en`, `de`, `de-AT`, ...: a language without templates gets English.' })
  @Matches(LOCALE)
  locale!: string;
}
