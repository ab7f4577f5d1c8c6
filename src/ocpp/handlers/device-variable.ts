import type { DeviceVariable } from '../../domain/stations.js';

/** The component/variable addressing shared by GetVariables results, NotifyReport and NotifyEvent. */
interface Addressed {
  component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string; instance?: string };
}

/** One device-model variable in our terms, from OCPP's component and variable addressing. */
export function deviceVariable(
  { component, variable }: Addressed,
  attribute: Pick<DeviceVariable, 'value'> & Partial<Pick<DeviceVariable, 'attributeType' | 'mutability' | 'dataType' | 'unit'>>,
): DeviceVariable {
  return {
    component: component.name,
    componentInstance: component.instance,
    evseId: component.evse?.id,
    connectorId: component.evse?.connectorId,
    variable: variable.name,
    variableInstance: variable.instance,
    ...attribute,
    attributeType: attribute.attributeType ?? 'Actual',
  };
}
