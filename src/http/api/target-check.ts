import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { OneOffTarget, WeeklyTarget, type DepartureTarget } from '../../domain/vehicles.js';
import { localDateTime } from '../../scheduler/index.js';
import { fieldPath } from '../errors.js';

/**
 * Checks a departure target and reports every problem with its field and rule, before anything is applied: the
 * single PUT and every row of a bulk upload go through here. It applies the scheduler's own rules (the domain
 * schemas OneOffTarget / WeeklyTarget, and "energyKwh or socPercent") so that `Scheduler.setTarget` cannot refuse
 * what passed, plus one the scheduler leaves to the planner: a one-off departure must be in the future in the
 * zone where the car charges (when that zone is known).
 *
 * The schema is chosen by `kind` first: checking the union would report the wrong branch's complaints.
 */
export interface TargetIssue {
  /** Field path in the JSON body: departure, days[1], minimumNow.withinMinutes. */
  field: string;
  /** Stable rule name: required, unknown-field, type, pattern, range, unique, enum, in-the-past. */
  rule: string;
  message: string;
}

export type TargetCheck = { ok: true; target: DepartureTarget } | { ok: false; issues: TargetIssue[] };

const SCHEMAS: Record<string, TSchema> = { once: OneOffTarget, weekly: WeeklyTarget };

function ruleOf(e: ValueError): string {
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty: return 'required';
    case ValueErrorType.ObjectAdditionalProperties: return 'unknown-field';
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat: return 'pattern';
    case ValueErrorType.ArrayUniqueItems: return 'unique';
    case ValueErrorType.Literal:
    case ValueErrorType.Union: return 'enum';
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems:
    case ValueErrorType.StringMinLength:
    case ValueErrorType.StringMaxLength: return 'range';
    default: return 'type';
  }
}


function messageOf(field: string, e: ValueError): string {
  const described = (e.schema as { description?: string }).description;
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return `${field} is not a field of this target`;
  if (e.type === ValueErrorType.ObjectRequiredProperty) return `${field} is required`;
  if (e.type === ValueErrorType.StringPattern && described) return `${field} must be ${described} (got ${JSON.stringify(e.value)})`;
  return `${field}: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`;
}

/**
 * `zone`: where the departure is read (null: unknown, the future check is skipped and the planner ignores a
 * passed departure). `now`: the injected clock's instant.
 */
export function checkTarget(input: unknown, zone: string | null, now: number): TargetCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ field: 'target', rule: 'type', message: 'a target must be a JSON object' }] };
  }
  const kind = (input as { kind?: unknown }).kind;
  const schema = typeof kind === 'string' ? SCHEMAS[kind] : undefined;
  if (!schema) {
    const message = kind === undefined ? 'kind is required: once or weekly' : `kind must be once or weekly (got ${JSON.stringify(kind)})`;
    return { ok: false, issues: [{ field: 'kind', rule: kind === undefined ? 'required' : 'enum', message }] };
  }
  const issues: TargetIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, input)) {
    const field = fieldPath(e.path) || 'target';
    // One complaint per field: a missing field also fails its type, which says nothing new.
    if (seen.has(field)) continue;
    seen.add(field);
    issues.push({ field, rule: ruleOf(e), message: messageOf(field, e) });
  }
  if (issues.length) return { ok: false, issues };
  const target = input as DepartureTarget;
  if (target.energyKwh === undefined && target.socPercent === undefined) {
    issues.push({ field: 'energyKwh', rule: 'required', message: 'energyKwh or socPercent is required: how much the car needs' });
  }
  if (target.kind === 'once' && zone !== null && localDateTime(target.departure, zone) <= now) {
    issues.push({ field: 'departure', rule: 'in-the-past', message: `departure ${target.departure} (${zone}) is not in the future` });
  }
  return issues.length ? { ok: false, issues } : { ok: true, target };
}
