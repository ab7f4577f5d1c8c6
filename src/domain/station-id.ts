/**
 * The one rule for a charging station's identity, shared by the OCPP server (the id in the connection URL) and
 * the stations CLI, so that nothing the CLI refuses can become an identity through the server, and back.
 *
 * Part 4, 3.1.1: the identity is an identifierString (Part 2, 2.1.3: a-z, A-Z, 0-9 and `* - _ = : + | @ .`) of at
 * most 48 characters, without ':' because it is also the Basic-auth user name (A00.FR.207). So no spaces and no
 * '/' either (Part 4's "RDAM 123" example predates that type; a percent-encoded space or `%2F` is refused).
 */
export const STATION_ID_MAX_LENGTH = 48;

const IDENTIFIER = /^[A-Za-z0-9*\-_=+|@.]+$/;

/** Why `id` cannot be a station identity, or null when it can. The message names the rule. */
export function stationIdProblem(id: string): string | null {
  if (id.length === 0 || id.length > STATION_ID_MAX_LENGTH || !IDENTIFIER.test(id)) {
    return `a station id has 1 to ${STATION_ID_MAX_LENGTH} characters from a-z A-Z 0-9 * - _ = + | @ . ` +
      '(identifierString without \':\', OCPP Part 4, 3.1.1): no spaces, no \'/\', no \':\'';
  }
  return null;
}
