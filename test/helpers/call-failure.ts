import { OcppCallError } from '../../src/ocpp/rpc/call-error.js';

/** The OcppCallError a call rejects with (any other outcome fails the test). */
export async function callFailure(p: Promise<unknown>): Promise<OcppCallError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OcppCallError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
