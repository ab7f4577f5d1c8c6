import type { AuditActor } from '../../domain/audit.js';
import type { Principal } from './access.js';

/** The audit log's "who" for a request's principal: the person or token as named now. */
export function actorOf(p: Principal): AuditActor {
  return { kind: p.kind, id: p.id, name: p.name };
}
