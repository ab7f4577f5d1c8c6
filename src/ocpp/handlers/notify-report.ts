import type { DeviceVariable } from '../../domain/stations.js';
import type { Handler } from './types.js';
import { deviceVariable } from './device-variable.js';

/** B07/B08: the device model, possibly over several NotifyReport messages (tbc); every attribute is stored. */
export const notifyReport: Handler<'NotifyReport'> = async (req, ctx) => {
  const variables: DeviceVariable[] = [];
  for (const item of req.reportData ?? []) {
    for (const attr of item.variableAttribute) {
      variables.push(deviceVariable(item, {
        attributeType: attr.type,
        value: attr.value ?? null,
        mutability: attr.mutability,
        dataType: item.variableCharacteristics?.dataType,
        unit: item.variableCharacteristics?.unit,
      }));
    }
  }
  await ctx.services.deviceModel.upsert(ctx.stationId, variables, `NotifyReport:${req.requestId}`, ctx.now);
  if (!req.tbc) ctx.session.permitted.delete('NotifyReport');
  return {};
};
