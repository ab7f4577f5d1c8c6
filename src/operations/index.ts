/**
 * The public surface of src/operations for the HTTP layer (ARCHITECTURE.md: http may use the public surfaces of
 * scheduler/ and operations/): the firmware, rollout and log services it calls and the errors it turns into answers.
 */
export { FirmwareFiles, LinkRefused } from './firmware-files.js';
export { FirmwareRollouts, RolloutInputError } from './firmware-rollouts.js';
export { LogRequests } from './log-requests.js';
export { FileTooLarge } from './file-store.js';
