/** B05 SetVariableStatusEnumType in words for people (the device-model table shows them beside each value). */
const VARIABLE_WORDS: Record<string, string> = {
  Accepted: 'set',
  Rejected: 'refused: the value is not acceptable, or the variable cannot be written',
  UnknownComponent: 'the station has no such component',
  UnknownVariable: 'the component has no such variable',
  NotSupportedAttributeType: 'the variable has no such attribute (Actual, Target, MinSet, MaxSet)',
  RebootRequired: 'set; it takes effect after the station reboots',
};

export function variableWords(status: string): string {
  return VARIABLE_WORDS[status] ?? `the station answered ${status}`;
}
