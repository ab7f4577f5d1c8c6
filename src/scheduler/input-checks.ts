import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DepartureTarget, VehicleInput } from '../domain/vehicles.js';

/** A request from a person or system that cannot be applied: the message names the field (convention 7). */
export class SchedulerInputError extends Error {
  readonly retryable = false;
  constructor(readonly code: 'VEHICLE_INVALID' | 'TARGET_INVALID' | 'VEHICLE_UNKNOWN' | 'EVSE_UNKNOWN' | 'VEHICLE_NOT_PLUGGED_IN', readonly field: string, message: string) {
    super(message);
    this.name = 'SchedulerInputError';
  }
}

// Compiled once: a bulk upload checks up to 10,000 targets in one call, and the interpreted Value.Check was most of
// its synchronous cost (issue 20, finding 6: bench:upload).
const vehicleCheck = TypeCompiler.Compile(VehicleInput);
const targetCheck = TypeCompiler.Compile(DepartureTarget);

export function checkVehicleInput(input: unknown): VehicleInput {
  if (vehicleCheck.Check(input)) return input;
  const e = vehicleCheck.Errors(input).First()!;
  throw new SchedulerInputError('VEHICLE_INVALID', e.path || '/', `vehicle${e.path}: ${e.message}`);
}

export function checkTargetShape(target: unknown): DepartureTarget {
  if (!targetCheck.Check(target)) {
    const e = targetCheck.Errors(target).First()!;
    throw new SchedulerInputError('TARGET_INVALID', e.path || '/', `target${e.path}: ${e.message}`);
  }
  if (target.energyKwh === undefined && target.socPercent === undefined) {
    throw new SchedulerInputError('TARGET_INVALID', '/energyKwh', 'target needs energyKwh or socPercent');
  }
  return target;
}
