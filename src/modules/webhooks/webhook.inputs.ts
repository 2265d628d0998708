import { ArrayMaxSize, IsOptional, Length, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

/** Longest URL a webhook takes (browsers and proxies agree on about this much). */
export const WEBHOOK_URL_MAX = 2048;

@InputType()
export class CreateWebhookInput {
  @Field({ description: 'The receiver: https (http outside production), resolving to public addresses only.' })
  @Length(1, WEBHOOK_URL_MAX)
  url!: string;

  @Field(() => [String], { description: 'Event types to receive (docs/webhooks.md): at least one, each known.' })
  @ArrayMaxSize(20)
  events!: string[];

  @Field({ defaultValue: '' })
  @MaxLength(500)
  description!: string;

  @Field({ nullable: true, description: "The tenant (operators); an API key acts for its own tenant when it is left out." })
  @IsOptional()
  @Length(1, 100)
  tenantSlug?: string;
}

@InputType()
export class UpdateWebhookInput {
  @Field({ nullable: true })
  @IsOptional()
  @Length(1, WEBHOOK_URL_MAX)
  url?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  events?: string[];

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(500)
  description?: string;

  @Field({ nullable: true, description: 'false disables deliveries; true enables them again (e.g. after the gateway disabled a failing endpoint).' })
  @IsOptional()
  enabled?: boolean;
}
