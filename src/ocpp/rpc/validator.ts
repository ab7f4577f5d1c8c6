import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ALL_ACTIONS, type OcppAction } from '../schemas/generated/index.js';
import { validationFailure, type ValidationFailure } from './errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const require = createRequire(import.meta.url);
const schemaDir = new URL('../schemas/json/', import.meta.url);

/**
 * Every OCPP 2.0.1 schema compiled once at start-up (convention 5): a missing or broken schema throws here
 * and stops the process instead of letting an unvalidated message through later.
 *
 * The schemas declare draft-06; Ajv 8 needs that meta-schema, and `strict: false` because they carry
 * `javaType`/`comment` keywords. No type coercion, no defaults inserted, no extra properties removed:
 * what the station sent is exactly what is checked (convention 6).
 */
/**
 * The compiled schemas, one set per list of actions, shared by every validator of the process: compiling the 128
 * schemas is ~1 s of CPU, and a process may build more than one server (a node restarted in-process, several nodes in
 * a cluster test, the test suite's hundreds of servers in one worker, where vitest evaluates this module once per
 * file: hence `globalThis` under a registered symbol). Validate functions are pure; `errors` is read right after
 * each synchronous call.
 */
const KEY = Symbol.for('chargeplan.ocpp.compiled-schemas');
const compiledSets: Map<string, Map<string, ValidateFunction>> =
  ((globalThis as Record<symbol, Map<string, Map<string, ValidateFunction>> | undefined>)[KEY] ??= new Map());

function compileAll(actions: readonly OcppAction[]): Map<string, ValidateFunction> {
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    validateFormats: true,
  });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();
  for (const action of actions) {
    for (const kind of ['Request', 'Response'] as const) {
      const file = new URL(`${action}${kind}.json`, schemaDir);
      let schema: object;
      try {
        schema = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new Error(`OCPP schema ${action}${kind}.json cannot be loaded`, { cause });
      }
      validators.set(`${action}${kind}`, ajv.compile(schema));
    }
  }
  return validators;
}

export class OcppValidator {
  private readonly validators: Map<string, ValidateFunction>;

  constructor(actions: readonly OcppAction[] = ALL_ACTIONS) {
    const key = actions.join(',');
    let set = compiledSets.get(key);
    if (!set) {
      set = compileAll(actions);
      compiledSets.set(key, set);
    }
    this.validators = set;
  }

  get size(): number {
    return this.validators.size;
  }

  validate(action: string, kind: 'Request' | 'Response', payload: unknown): ValidationFailure | null {
    const fn = this.validators.get(`${action}${kind}`);
    if (!fn) throw new Error(`no schema for ${action}${kind}`);
    if (fn(payload)) return null;
    return validationFailure(fn.errors ?? []);
  }
}
