import type { HandlerTable } from './types.js';
import { authorize } from './authorize.js';
import { bootNotification } from './boot-notification.js';
import { clearedChargingLimit } from './cleared-charging-limit.js';
import { dataTransfer } from './data-transfer.js';
import { get15118EVCertificate, getCertificateStatus, signCertificate } from './certificates.js';
import { heartbeat } from './heartbeat.js';
import { meterValues } from './meter-values.js';
import { notifyChargingLimit } from './notify-charging-limit.js';
import { notifyEVChargingNeeds } from './notify-ev-charging-needs.js';
import { notifyEVChargingSchedule } from './notify-ev-charging-schedule.js';
import { notifyEvent } from './notify-event.js';
import { notifyReport } from './notify-report.js';
import { statusNotification } from './status-notification.js';
import { transactionEvent } from './transaction-event.js';
import {
  firmwareStatusNotification, logStatusNotification, notifyCustomerInformation, notifyDisplayMessages,
  notifyMonitoringReport, publishFirmwareStatusNotification, reportChargingProfiles, reservationStatusUpdate,
  securityEventNotification,
} from './notifications.js';

/**
 * Every action a Charging Station may send, each with its handler. The mapped type makes a missing action a
 * compile error: no station message can fall through to NotImplemented.
 */
export const stationHandlers: HandlerTable = {
  Authorize: authorize,
  BootNotification: bootNotification,
  ClearedChargingLimit: clearedChargingLimit,
  DataTransfer: dataTransfer,
  FirmwareStatusNotification: firmwareStatusNotification,
  Get15118EVCertificate: get15118EVCertificate,
  GetCertificateStatus: getCertificateStatus,
  Heartbeat: heartbeat,
  LogStatusNotification: logStatusNotification,
  MeterValues: meterValues,
  NotifyChargingLimit: notifyChargingLimit,
  NotifyCustomerInformation: notifyCustomerInformation,
  NotifyDisplayMessages: notifyDisplayMessages,
  NotifyEVChargingNeeds: notifyEVChargingNeeds,
  NotifyEVChargingSchedule: notifyEVChargingSchedule,
  NotifyEvent: notifyEvent,
  NotifyMonitoringReport: notifyMonitoringReport,
  NotifyReport: notifyReport,
  PublishFirmwareStatusNotification: publishFirmwareStatusNotification,
  ReportChargingProfiles: reportChargingProfiles,
  ReservationStatusUpdate: reservationStatusUpdate,
  SecurityEventNotification: securityEventNotification,
  SignCertificate: signCertificate,
  StatusNotification: statusNotification,
  TransactionEvent: transactionEvent,
};
