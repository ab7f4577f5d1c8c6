import type { DeviceVariable } from '../../domain/stations.js';
import type { Handler } from './types.js';

/** B07/B08: the device model, possibly over several NotifyReport messages (tbc); every attribute is stored. */
export const notifyReport: Handler<'NotifyReport'> = (req, ctx) => {
  const variables: DeviceVariable[] = [];
  for (const item of req.reportData ?? []) {
    for (const attr of item.variableAttribute) {
      variables.push({
        component: item.component.name,
        componentInstance: item.component.instance,
        evseId: item.component.evse?.id,
        connectorId: item.component.evse?.connectorId,
        variable: item.variable.name,
        variableInstance: item.variable.instance,
        attributeType: attr.type ?? 'Actual',
        value: attr.value ?? null,
        mutability: attr.mutability,
        dataType: item.variableCharacteristics?.dataType,
        unit: item.variableCharacteristics?.unit,
      });
    }
  }
  ctx.services.deviceModel.upsert(ctx.stationId, variables, `NotifyReport:${req.requestId}`, ctx.now);
  if (!req.tbc) ctx.session.permitted.delete('NotifyReport');
  return {};
};
