import { getMetadataStorage as getValidatorMetadata } from 'class-validator';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { getMetadataStorage as getTypeGraphqlMetadata } from 'type-graphql';
import { validateEmail } from '../pydantic/email-validator';
import { fromPlain, type PyDict, type PyValue } from '../pydantic/json';
import { COMMON_PASSWORD_MESSAGE, IS_EMAIL_ADDRESS, IS_NOT_COMMON_PASSWORD } from './decorators';
import { isCommonPassword } from '../lib/passwords';
import { expectedEnumText, Issue, type LocPart, type ValidationIssue } from '../pydantic/issues';

/**
 * The bridge between the one place constraints are declared (class-validator decorators on
 * type-graphql `@InputType` classes) and pydantic's behaviour (CONTRACT section 2).
 *
 * Types, nullability and defaults come from the built GraphQL schema; constraints from the
 * class-validator metadata. The compiled model validates a REST body (`validateBody`) and
 * a GraphQL argument (`validateInputObject`) with the same rules, messages and order.
 */

interface StringRule {
  kind: 'string';
  minLength?: number;
  maxLength?: number;
  pattern?: { source: string; regex: RegExp };
  email: boolean;
  notCommonPassword: boolean;
}
interface IntRule { kind: 'int'; ge?: number; le?: number }
interface BoolRule { kind: 'bool' }
interface EnumRule { kind: 'enum'; values: string[]; expected: string }
interface ListRule { kind: 'list'; item: ValueRule; maxItems?: number }
type ValueRule = StringRule | IntRule | BoolRule | EnumRule | ListRule;

export interface FieldRule {
  /** GraphQL / TypeScript property name (camelCase): the field's name in a `/graphql` `loc`. */
  property: string;
  /** The legacy REST name (snake_case): the body's key, and the field's name in a REST `loc`. */
  restName: string;
  /** Absent is an error (non-null without default). */
  required: boolean;
  /** `null` is accepted and means absent (an `Optional[...]` field). */
  nullable: boolean;
  defaultValue?: unknown;
  rule: ValueRule;
}

export interface InputModel {
  name: string;
  fields: FieldRule[];
}

export type Validated = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ValidationIssue[] };

/**
 * How a surface names a field, in the object it reads and in every `loc` it reports: REST
 * with the legacy body's name (`["body","company_name"]`), `/graphql` with the GraphQL
 * field's (`["input","companyName"]`). The rules are the same; only the rendering differs.
 */
export type FieldNaming = 'restName' | 'property';

/** `tenantSlug` → `tenant_slug`: the one naming rule between GraphQL and the legacy bodies. */
export function toRestName(property: string): string {
  return property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const compiled = new WeakMap<GraphQLSchema, Map<Function, InputModel>>();

/**
 * The model of an `@InputType` class, or of an `@ArgsType` class (arguments declared flat on
 * the field, `changePassword(currentPassword: String!, newPassword: String!)`): for the latter
 * `field` is the GraphQL field that takes them, whose arguments are the model's fields.
 */
export function inputModelFor(inputClass: Function, schema: GraphQLSchema, field?: GraphQLField<unknown, unknown>): InputModel {
  let bySchema = compiled.get(schema);
  if (!bySchema) compiled.set(schema, (bySchema = new Map()));
  let model = bySchema.get(inputClass);
  if (!model) bySchema.set(inputClass, (model = compileInputModel(inputClass, schema, field)));
  return model;
}

export function isInputClass(target: unknown): target is Function {
  return typeof target === 'function' && getTypeGraphqlMetadata().inputTypes.some((t) => t.target === target);
}

/** An `@ArgsType` class: its fields are arguments of the field itself, validated like an input's. */
export function isArgsClass(target: unknown): target is Function {
  return typeof target === 'function' && getTypeGraphqlMetadata().argumentTypes.some((t) => t.target === target);
}

function compileInputModel(inputClass: Function, schema: GraphQLSchema, field: GraphQLField<unknown, unknown> | undefined): InputModel {
  if (getTypeGraphqlMetadata().argumentTypes.some((t) => t.target === inputClass)) {
    if (!field) throw new Error(`${inputClass.name} is an @ArgsType: its model needs the field that takes it`);
    return compileFields(inputClass, `${field.name}(...)`, field.args);
  }
  const meta = getTypeGraphqlMetadata().inputTypes.find((t) => t.target === inputClass);
  const type = meta && schema.getType(meta.name);
  if (!(type instanceof GraphQLInputObjectType)) {
    throw new Error(`${inputClass.name} is not a GraphQL input type of this schema`);
  }
  return compileFields(inputClass, type.name, Object.values(type.getFields()));
}

/** Input fields or arguments (both have a name, a type and a default) with the class's constraints. */
function compileFields(inputClass: Function, name: string, declared: ReadonlyArray<GraphQLInputField | GraphQLArgument>): InputModel {
  const constraints = getValidatorMetadata().getTargetValidationMetadatas(inputClass, '', true, false);
  const fields = declared.map((field): FieldRule => {
    const own = constraints.filter((c) => c.propertyName === field.name);
    const nonNull = field.type instanceof GraphQLNonNull;
    const hasDefault = field.defaultValue !== undefined;
    return {
      property: field.name,
      restName: toRestName(field.name),
      required: nonNull && !hasDefault,
      nullable: !nonNull,
      defaultValue: field.defaultValue,
      rule: compileRule(nonNull ? (field.type as GraphQLNonNull<GraphQLInputType>).ofType : field.type, own, false, `${name}.${field.name}`),
    };
  });
  return { name, fields };
}

type Constraint = { name?: string; constraints: unknown[]; each?: boolean };
type ValidatorMeta = { name?: string; constraints: unknown[]; each?: boolean };

function compileRule(type: GraphQLInputType, metas: ValidatorMeta[], forItem: boolean, where: string): ValueRule {
  const applicable: Constraint[] = metas.filter((m) => Boolean(m.each) === forItem);
  const declared = (name: string) => applicable.find((m) => m.name === name);
  const find = (name: string) => declared(name)?.constraints ?? undefined;
  const unwrapped = type instanceof GraphQLNonNull ? type.ofType : type;

  if (unwrapped instanceof GraphQLList) {
    return { kind: 'list', item: compileRule(unwrapped.ofType, metas, true, `${where}[]`), maxItems: find('arrayMaxSize')?.[0] as number | undefined };
  }
  if (unwrapped instanceof GraphQLEnumType) {
    const values = unwrapped.getValues().map((v) => v.name);
    return { kind: 'enum', values, expected: expectedEnumText(values) };
  }
  if (unwrapped instanceof GraphQLScalarType) {
    if (unwrapped.name === 'Int') {
      return { kind: 'int', ge: find('min')?.[0] as number | undefined, le: find('max')?.[0] as number | undefined };
    }
    if (unwrapped.name === 'Boolean') return { kind: 'bool' };
    if (unwrapped.name === 'String') {
      const length = find('isLength');
      const pattern = find('matches')?.[0] as RegExp | undefined;
      return {
        kind: 'string',
        minLength: (length?.[0] as number | undefined) ?? (find('minLength')?.[0] as number | undefined),
        maxLength: (length?.[1] as number | undefined) ?? (find('maxLength')?.[0] as number | undefined),
        pattern: pattern && { source: pattern.source, regex: pattern },
        email: declared(IS_EMAIL_ADDRESS) !== undefined,
        notCommonPassword: declared(IS_NOT_COMMON_PASSWORD) !== undefined,
      };
    }
  }
  throw new Error(`${where}: no pydantic-compatible rule for GraphQL type ${String(unwrapped)}`);
}

// ---------------------------------------------------------------------------------------
// Validation (pydantic 2 lax mode for JSON input)
// ---------------------------------------------------------------------------------------

/** Python's len(): code points, not UTF-16 units. */
function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}

type RuleResult = { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };
const fail = (...issues: ValidationIssue[]): RuleResult => ({ ok: false, issues });

function validateString(rule: StringRule, loc: LocPart[], input: PyValue): RuleResult {
  if (typeof input !== 'string') return fail(Issue.stringType(loc, input));
  const length = codePointLength(input);
  if (rule.minLength !== undefined && length < rule.minLength) return fail(Issue.stringTooShort(loc, input, rule.minLength));
  if (rule.maxLength !== undefined && length > rule.maxLength) return fail(Issue.stringTooLong(loc, input, rule.maxLength));
  if (rule.pattern && !rule.pattern.regex.test(input)) return fail(Issue.stringPatternMismatch(loc, input, rule.pattern.source));
  if (rule.notCommonPassword && isCommonPassword(input)) return fail(Issue.valueError(loc, input, COMMON_PASSWORD_MESSAGE));
  if (rule.email) {
    const email = validateEmail(input);
    return email.ok ? { ok: true, value: email.email } : fail(Issue.email(loc, input, email.reason));
  }
  return { ok: true, value: input };
}

/**
 * pydantic-core `str_as_int`: surrounding whitespace trimmed, an optional sign, ASCII
 * digits with single underscores between them, and a `.0...` fraction tolerated
 * (`" 30 "`, `"+5"`, `"1_000"`, `"30.00"` are ints; `"30."`, `"1e3"`, `"0x10"` are not).
 */
function parseIntString(text: string): bigint | undefined {
  const match = /^([+-]?)(\d+(?:_\d+)*)(?:\.0+)?$/.exec(text.trim());
  return match ? BigInt(`${match[1]}${match[2].replace(/_/g, '')}`) : undefined;
}

function validateInt(rule: IntRule, loc: LocPart[], input: PyValue): RuleResult {
  let value: bigint;
  if (typeof input === 'bigint') value = input;
  else if (typeof input === 'boolean') value = input ? 1n : 0n;
  else if (typeof input === 'number') {
    if (!Number.isFinite(input)) return fail(Issue.finiteNumber(loc, input));
    if (!Number.isInteger(input)) return fail(Issue.intFromFloat(loc, input));
    value = BigInt(input);
  } else if (typeof input === 'string') {
    const parsed = parseIntString(input);
    if (parsed === undefined) return fail(Issue.intParsing(loc, input));
    value = parsed;
  } else return fail(Issue.intType(loc, input));
  if (rule.ge !== undefined && value < BigInt(rule.ge)) return fail(Issue.greaterThanEqual(loc, input, rule.ge));
  if (rule.le !== undefined && value > BigInt(rule.le)) return fail(Issue.lessThanEqual(loc, input, rule.le));
  // GraphQL Int is 32-bit; any bound we declare keeps values inside it.
  if (value > 2147483647n || value < -2147483648n) return fail(Issue.intType(loc, input));
  return { ok: true, value: Number(value) };
}

const TRUE_STRINGS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_STRINGS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

function validateBool(loc: LocPart[], input: PyValue): RuleResult {
  if (typeof input === 'boolean') return { ok: true, value: input };
  if (input === 0n || input === 1n) return { ok: true, value: input === 1n };
  if (input === 0 || input === 1) return { ok: true, value: input === 1 };
  if (typeof input === 'string') {
    const lowered = input.toLowerCase();
    if (TRUE_STRINGS.has(lowered)) return { ok: true, value: true };
    if (FALSE_STRINGS.has(lowered)) return { ok: true, value: false };
    return fail(Issue.boolParsing(loc, input));
  }
  if (typeof input === 'bigint' || typeof input === 'number') return fail(Issue.boolParsing(loc, input));
  return fail(Issue.boolType(loc, input));
}

function validateList(rule: ListRule, loc: LocPart[], input: PyValue): RuleResult {
  if (!Array.isArray(input)) return fail(Issue.listType(loc, input));
  if (rule.maxItems !== undefined && input.length > rule.maxItems) {
    return fail(Issue.listTooLong(loc, input, rule.maxItems, input.length));
  }
  const values: unknown[] = [];
  const issues: ValidationIssue[] = [];
  input.forEach((item, index) => {
    const result = validateValue(rule.item, [...loc, BigInt(index)], item);
    if (result.ok) values.push(result.value);
    else issues.push(...result.issues);
  });
  return issues.length > 0 ? fail(...issues) : { ok: true, value: values };
}

function validateValue(rule: ValueRule, loc: LocPart[], input: PyValue): RuleResult {
  switch (rule.kind) {
    case 'string':
      return validateString(rule, loc, input);
    case 'int':
      return validateInt(rule, loc, input);
    case 'bool':
      return validateBool(loc, input);
    case 'enum':
      return typeof input === 'string' && rule.values.includes(input)
        ? { ok: true, value: input }
        : fail(Issue.enum(loc, input, rule.expected));
    case 'list':
      return validateList(rule, loc, input);
  }
}

/**
 * Validates a JSON object against the model: every field in model order, one issue per
 * field (its first failing constraint), `null` allowed only for optional fields.
 * Returns GraphQL-ready values keyed by property name (absent optional fields omitted).
 */
export function validateObject(model: InputModel, input: PyDict, loc: LocPart[], naming: FieldNaming): Validated {
  const value: Record<string, unknown> = {};
  const issues: ValidationIssue[] = [];
  for (const field of model.fields) {
    const fieldLoc = [...loc, field[naming]];
    const raw = input.get(field[naming]);
    if (raw === undefined) {
      if (field.required) issues.push(Issue.missing(fieldLoc, input));
      else if (field.defaultValue !== undefined) value[field.property] = field.defaultValue;
      continue;
    }
    if (raw === null && field.nullable) continue;
    const result = validateValue(field.rule, fieldLoc, raw);
    if (result.ok) value[field.property] = result.value;
    else issues.push(...result.issues);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
}

/**
 * A request body as FastAPI sees it: absent or JSON `null` is a missing body, anything
 * but an object is `model_attributes_type`, then the object's fields.
 */
export function validateBody(model: InputModel, body: PyValue | undefined): Validated {
  if (body === undefined || body === null) return { ok: false, issues: [Issue.missing(['body'], null)] };
  if (!(body instanceof Map)) return { ok: false, issues: [Issue.modelAttributesType(['body'], body)] };
  return validateObject(model, body, ['body'], 'restName');
}

/**
 * The GraphQL side of the same rules: a coerced input object (GraphQL already checked the
 * types) is validated and normalised in place, so resolvers see e.g. the normalised email.
 * `loc` starts with `at` and names fields as `naming` says: `/graphql` reports
 * `[argument, field, index...]` in GraphQL names; an input the REST surface validates in
 * execution (not its body) keeps FastAPI's `["body", rest_name]`.
 */
export function validateInputObject(model: InputModel, instance: Record<string, unknown>, at: LocPart[], naming: FieldNaming): ValidationIssue[] {
  const asPython: PyDict = new Map();
  for (const field of model.fields) {
    if (instance[field.property] !== undefined) asPython.set(field[naming], fromPlain(instance[field.property]));
  }
  const result = validateObject(model, asPython, at, naming);
  if (!result.ok) return result.issues;
  for (const field of model.fields) {
    if (field.property in result.value) instance[field.property] = result.value[field.property];
  }
  return [];
}
