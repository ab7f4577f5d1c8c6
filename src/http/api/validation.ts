import { Ajv } from 'ajv';
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
 * ajv's errors go to fastify as they are: the error handler names the field with `validationProblem`
 * (src/http/errors.ts), the same for this compiler and fastify's default one; an unknown property is named by
 * itself there (`batterykwh`, `rows[3].tme`), not by its parent as ajv reports it.
 */
export const apiValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;

/** For routes whose handler checks the body itself (reporting every issue): params and query are still validated. */
export const bodyCheckedByHandler: FastifySchemaCompiler<unknown> = (def) =>
  def.httpPart === 'body' ? () => true : apiValidatorCompiler(def);
