/**
 * JSON Schemas of the OpenAPI document (what @fastify/swagger makes of the routes' TypeBox schemas) as HTML for the
 * API reference page (issue 18, views-api-docs.ts): each property a list item with its name, its type in words, its
 * constraints and its description, nested properties as nested lists. Nesting stops at MAX_DEPTH (the document has
 * schemas 20 levels deep); beyond it the item says where the rest is. Shared schemas ($ref) are named and linked to
 * their own section, not copied. Everything from the document is escaped: descriptions are text, with `code` spans.
 */

export type Schema = Record<string, unknown>;
/** The document's shared schemas by name (components.schemas), for $ref. */
export type Components = Readonly<Record<string, Schema>>;

/** How many levels of properties a schema shows; deeper ones are in the JSON document. */
export const MAX_DEPTH = 4;
/** At most this many values of an enum are listed (the rest counted). */
const MAX_ENUM = 24;

/** Text into HTML: element content and double-quoted attributes alike. */
export const esc = (text: unknown): string =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A description: escaped text whose `backticked` parts are code. */
export const prose = (text: unknown): string => esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');

/** "#/components/schemas/Error" -> "Error". */
export const refName = (ref: string): string => ref.replace(/^#\/components\/schemas\//, '');
/** The anchor of a shared schema's section. */
export const schemaAnchor = (name: string): string => `schema-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Schema[] => (Array.isArray(v) ? v.filter(isObj) : []);
const isNull = (s: Schema) => s.type === 'null';
const literals = (s: Schema): unknown[] | null => (Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : null);

/** A schema without its `null` alternative (TypeBox's Nullable is anyOf [T, null]), and whether it had one. */
function denull(s: Schema): { schema: Schema; nullable: boolean } {
  if (Array.isArray(s.type) && s.type.includes('null')) {
    const types = s.type.filter((t) => t !== 'null');
    return { schema: { ...s, type: types.length === 1 ? types[0] : types }, nullable: true };
  }
  const alts = list(s.anyOf ?? s.oneOf);
  if (alts.length > 1 && alts.some(isNull)) {
    const rest = alts.filter((a) => !isNull(a));
    const { anyOf: _a, oneOf: _o, ...own } = s;
    return { schema: rest.length === 1 ? { ...own, ...rest[0] } : { ...own, anyOf: rest }, nullable: true };
  }
  return { schema: s, nullable: false };
}

/** Every value of a union of literals (TypeBox's Union of Literal), or null when the union holds other schemas. */
function unionValues(alts: Schema[]): unknown[] | null {
  const values: unknown[] = [];
  for (const a of alts) {
    const v = literals(a);
    if (!v) return null;
    values.push(...v);
  }
  return values;
}

const value = (v: unknown) => `<code>${esc(JSON.stringify(v))}</code>`;

function enumWords(values: unknown[]): string {
  const shown = values.slice(0, MAX_ENUM).map(value).join(', ');
  return values.length > MAX_ENUM ? `one of ${shown} and ${values.length - MAX_ENUM} more` : values.length === 1 ? `always ${shown}` : `one of ${shown}`;
}

/** The type in words, as HTML: "string (date-time)", "array of integer", "Error", "one of "a", "b"", "… or null". */
export function typeWords(input: Schema, depth = 0): string {
  const { schema: s, nullable } = denull(input);
  const words = bareType(s, depth);
  return nullable ? `${words} or null` : words;
}

function bareType(s: Schema, depth: number): string {
  if (typeof s.$ref === 'string') {
    const name = refName(s.$ref);
    return `<a href="#${schemaAnchor(name)}">${esc(name)}</a>`;
  }
  const values = literals(s);
  if (values) return enumWords(values);
  const alts = list(s.anyOf ?? s.oneOf);
  if (alts.length) {
    const union = unionValues(alts);
    if (union) return enumWords(union);
    // Objects are told apart in the list below (shapesOf); simple types are named here.
    if (alts.some((a) => fieldsOf(a))) return `one of ${alts.length} shapes`;
    return depth > MAX_DEPTH ? 'one of several types' : `one of: ${alts.map((a) => typeWords(a, depth + 1)).join('; ')}`;
  }
  if (list(s.allOf).length) return 'all of several shapes';
  const type = Array.isArray(s.type) ? s.type.join(' or ') : typeof s.type === 'string' ? s.type : 'any';
  if (type === 'array' && isObj(s.items)) {
    const items = typeWords(s.items, depth + 1);
    return / or |; /.test(items) && !items.startsWith('one of') ? `array of (${items})` : `array of ${items}`;
  }
  if (type === 'object' && !isObj(s.properties) && isObj(s.additionalProperties)) {
    return `map of names to ${typeWords(s.additionalProperties, depth + 1)}`;
  }
  return typeof s.format === 'string' ? `${esc(type)} (${esc(s.format)})` : esc(type);
}

/** The rules a value must follow, in words: lengths, ranges, counts, pattern, default. */
export function constraintWords(input: Schema): string[] {
  const s = denull(input).schema;
  const out: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    const units = (n: number) => (n === 1 ? unit : unit === 'property' ? 'properties' : `${unit}s`);
    if (typeof min === 'number' && typeof max === 'number') out.push(min === max ? `exactly ${min} ${units(min)}` : `${min} to ${max} ${units(max)}`);
    else if (typeof min === 'number' && min > 0) out.push(`at least ${min} ${units(min)}`);
    else if (typeof max === 'number') out.push(`at most ${max} ${units(max)}`);
  };
  range(s.minLength, s.maxLength, 'character');
  range(s.minItems, s.maxItems, 'item');
  range(s.minProperties, s.maxProperties, 'property');
  if (typeof s.minimum === 'number') out.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') out.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') out.push(`< ${s.exclusiveMaximum}`);
  if (typeof s.multipleOf === 'number') out.push(`a multiple of ${s.multipleOf}`);
  if (s.uniqueItems === true) out.push('no duplicates');
  if (typeof s.pattern === 'string') out.push(`matches <code>${esc(s.pattern)}</code>`);
  if ('default' in s) out.push(`default ${value(s.default)}`);
  return out;
}

/** What a schema holds: itself without null, or its arrays' items (arrays of arrays too). */
function inner(input: Schema): Schema {
  let s = denull(input).schema;
  for (let i = 0; i < 3 && s.type === 'array' && isObj(s.items); i++) s = denull(s.items).schema;
  return s;
}

/** The schema whose properties are listed under this one: itself, its array's items, or its one non-null shape. */
function fieldsOf(input: Schema): Schema | null {
  const s = inner(input);
  if (isObj(s.properties) && Object.keys(s.properties).length) return s;
  if (isObj(s.additionalProperties) && isObj(s.additionalProperties.properties)) return s.additionalProperties;
  return null;
}

/** The shapes of a union that are worth listing one by one (objects with properties). */
function shapesOf(input: Schema): Schema[] {
  const s = inner(input);
  const alts = list(s.anyOf ?? s.oneOf);
  return alts.length > 1 && alts.some((a) => fieldsOf(a)) ? alts : [];
}

/** One named item (property or parameter): name, type, required, rules, description, and what it holds. */
export function itemHtml(name: string, s: Schema, required: boolean, depth: number, extra = ''): string {
  const rules = constraintWords(s);
  const description = typeof s.description === 'string' ? ` <span class="desc">${prose(s.description)}</span>` : '';
  return `<li><code class="name">${esc(name)}</code>${extra} <span class="type">${typeWords(s, depth)}</span>`
    + `${required ? ' <span class="req">required</span>' : ''}`
    + `${rules.length ? ` <span class="rules">${rules.join(', ')}</span>` : ''}${description}${childrenHtml(s, depth + 1)}</li>`;
}

/** What a schema holds, as a nested list, or '' when it holds nothing to list; bounded by MAX_DEPTH. */
export function childrenHtml(s: Schema, depth = 0): string {
  const shapes = shapesOf(s);
  const fields = shapes.length ? null : fieldsOf(s);
  if (!fields && !shapes.length) return '';
  if (depth >= MAX_DEPTH) return ' <span class="deeper">(nested further: see the JSON document)</span>';
  if (shapes.length) {
    return `<ul class="schema">${shapes.map((a, i) => `<li>Shape ${i + 1}: <span class="type">${typeWords(a, depth)}</span>${childrenHtml(a, depth + 1)}</li>`).join('')}</ul>`;
  }
  const props = fields!.properties as Record<string, unknown>;
  const required = new Set(Array.isArray(fields!.required) ? fields!.required : []);
  const items = Object.entries(props).filter((e): e is [string, Schema] => isObj(e[1]));
  return `<ul class="schema">${items.map(([name, p]) => itemHtml(name, p, required.has(name), depth)).join('')}</ul>`;
}

/** A whole schema (a body, a response, a shared schema): its type in words, its rules, then what it holds. */
export function schemaHtml(s: Schema): string {
  const rules = constraintWords(s);
  return `<p class="schema-type"><span class="type">${typeWords(s)}</span>${rules.length ? ` <span class="rules">${rules.join(', ')}</span>` : ''}</p>${childrenHtml(s)}`;
}
