import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Validation for the resource API. Bodies are checked strictly: no type coercion ("11" is not 11) and an unknown
 * field is an error rather than silently dropped (fastify's default removes it), so a typo like "batterykwh" is
 * reported with its name instead of being lost. Path and query strings are text by nature: those are coerced.
 */
const strict = addFormats(new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false }));
const coercing = addFormats(new Ajv({ strict: false, allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false }));

/**
 * ajv reports an unknown property at its parent ("body must NOT have additional properties"); point at the
 * property itself, so that the message and the error body's `field` name it ("body/batterykwh ...").
 */
function namingUnknownFields(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    const ok = validate(data);
    const errors: ErrorObject[] | null = validate.errors ? validate.errors.map((e) =>
      e.keyword === 'additionalProperties' ? { ...e, instancePath: `${e.instancePath}/${String(e.params.additionalProperty)}` } : e) : null;
    wrapped.errors = errors;
    return ok;
  }) as ValidateFunction;
  return wrapped;
}

export const apiValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  namingUnknownFields((httpPart === 'body' ? strict : coercing).compile(schema as object)) as ReturnType<FastifySchemaCompiler<unknown>>;

/** For routes whose handler checks the body itself (reporting every issue): params and query are still validated. */
export const bodyCheckedByHandler: FastifySchemaCompiler<unknown> = (def) =>
  def.httpPart === 'body' ? () => true : apiValidatorCompiler(def);
