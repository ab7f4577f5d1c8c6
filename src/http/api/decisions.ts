import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { DecisionKind, DecisionListOptions, DecisionRecord } from '../../domain/plans.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { decisionText } from './decision-words.js';
import { DecisionsQuery, DecisionView, errors, PhraseView, SiteParams, ok } from './schemas.js';
import { Nullable } from './schema-kit.js';

/**
 * The site's decision log, newest first:
 *
 *   GET /api/v1/sites/:siteId/decisions?limit=&before=              the raw entries (the scheduler's words)
 *   GET /api/v1/sites/:siteId/decision-log?kind=&station=&cursor=&limit=
 *                                                                    for people: filtered, repeated lines grouped,
 *                                                                    paged with a cursor, in plain words
 *
 * The log's page is bounded twice: at most LOG_LIMIT_MAX entries, and at most SCAN_MAX stored decisions read to fill
 * it (a filter that matches little, or thousands of identical lines, ends the page early with a cursor to go on).
 */
const KINDS = [
  'plan.created', 'plan.failed', 'profile.pushed', 'profile.accepted', 'profile.rejected', 'profile.failed', 'profile.verified',
  'profile.limited', 'profile.deviated', 'profile.restored', 'default-profile.installed', 'station.ignores-profiles',
  'session.deviated', 'boost.set', 'boost.cleared', 'boost.done', 'site.created', 'site.changed', 'site.deleted', 'site.imported',
] as const satisfies readonly DecisionKind[];
const LOG_LIMIT_MAX = 100;
const SCAN_MAX = 2000;
const SCAN_STEP = 250;

const DecisionLogQuery = Type.Object({
  kind: Type.Optional(Type.String({ maxLength: 400, description: `comma-separated decision kinds (${KINDS.join(', ')}); default all` })),
  station: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only decisions about this station' })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LOG_LIMIT_MAX, default: 50, description: 'entries per page (a group of repeated lines is one entry)' })),
});
type DecisionLogQuery = Static<typeof DecisionLogQuery>;

const DecisionLogEntry = Type.Object({
  id: Type.Integer({ description: 'the newest decision of the entry' }),
  at: Type.String({ format: 'date-time', description: 'when the newest happened' }),
  firstAt: Type.String({ format: 'date-time', description: 'when the oldest of the group happened (= at when count is 1)' }),
  count: Type.Integer({ minimum: 1, description: 'identical lines in a row, grouped' }),
  kind: Type.String(),
  stationId: Nullable(Type.String()),
  evseId: Nullable(Type.Integer()),
  planId: Nullable(Type.Integer()),
  text: Type.String({ description: 'the decision in plain words' }),
  message: Type.String({ description: 'the scheduler’s own words (for support)' }),
  phrase: Nullable(PhraseView),
});
type DecisionLogEntry = Static<typeof DecisionLogEntry>;
const DecisionLog = Type.Object({
  entries: Type.Array(DecisionLogEntry),
  nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for older entries; null at the end of the log' })),
});

function kindsOf(text: string | undefined): DecisionKind[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.find((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new HttpError(400, 'REQUEST_INVALID', `kind "${unknown.slice(0, 40)}" is not a decision kind (${KINDS.join(', ')})`, 'kind');
  return kinds as DecisionKind[];
}

/** Same line again: same kind, charger and plain words (times and plan ids may differ). */
const sameLine = (a: DecisionLogEntry, d: DecisionRecord, text: string) =>
  a.kind === d.kind && a.stationId === d.stationId && a.evseId === d.evseId && a.text === text;

/**
 * One page: decisions read SCAN_STEP at a time, grouped as they come, until `limit` entries are complete (the next
 * line starts entry limit + 1), the log ends, or SCAN_MAX were read. The cursor is the oldest decision id the page
 * covers, so the next page starts right below it.
 */
export async function decisionLog(read: (o: DecisionListOptions) => Promise<DecisionRecord[]>, q: { kinds?: DecisionKind[]; stationId?: string; beforeId?: number; limit: number }) {
  const entries: DecisionLogEntry[] = [];
  let before = q.beforeId;
  let scanned = 0;
  let cursor: number | null = null;
  while (scanned < SCAN_MAX) {
    const batch = await read({ limit: Math.min(SCAN_STEP, SCAN_MAX - scanned), ...(before !== undefined ? { beforeId: before } : {}), ...(q.kinds ? { kinds: q.kinds } : {}), ...(q.stationId !== undefined ? { stationId: q.stationId } : {}) });
    for (const d of batch) {
      const text = decisionText(d);
      const last = entries[entries.length - 1];
      if (last && sameLine(last, d, text)) {
        last.count++;
        last.firstAt = d.at;
      } else if (entries.length === q.limit) {
        return { entries, nextCursor: String(cursor) };
      } else {
        entries.push({ id: d.id, at: d.at, firstAt: d.at, count: 1, kind: d.kind, stationId: d.stationId, evseId: d.evseId, planId: d.planId, text, message: d.message, phrase: d.phrase ?? null });
      }
      cursor = d.id;
    }
    scanned += batch.length;
    if (batch.length < SCAN_STEP) return { entries, nextCursor: null };
    before = batch[batch.length - 1]!.id;
  }
  return { entries, nextCursor: cursor === null ? null : String(cursor) };
}

export const decisionRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/sites/:siteId/decisions', {
    schema: {
      tags: ['decisions'],
      summary: 'What the scheduler did at the site and why, newest first',
      params: SiteParams,
      querystring: DecisionsQuery,
      response: { 200: ok(Type.Array(DecisionView), 'decisions, newest first'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const q = request.query as DecisionsQuery;
    const list = await ctx.deps.scheduler.decisions(site.id, { limit: q.limit ?? 100, ...(q.before !== undefined ? { beforeId: q.before } : {}) });
    return list.map((d) => ({ ...d, phrase: d.phrase ?? null }));
  });

  app.get('/api/v1/sites/:siteId/decision-log', {
    schema: {
      tags: ['decisions'],
      summary: 'The decision log for people: filtered by kind and station, repeated lines grouped, paged, in plain words',
      description: `Newest first. At most ${LOG_LIMIT_MAX} entries a page; a page reads at most ${SCAN_MAX} stored decisions (then it ends early with a cursor). Identical lines in a row (same kind, charger and words) are one entry with a count.`,
      params: SiteParams,
      querystring: DecisionLogQuery,
      response: { 200: ok(DecisionLog, 'a page of the log'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const q = request.query as DecisionLogQuery;
    const kinds = kindsOf(q.kind);
    // The scheduler hands the options to DecisionStore.list, whose filters these are (domain/plans.ts).
    const read = (o: DecisionListOptions) => ctx.deps.scheduler.decisions(site.id, o);
    return decisionLog(read, {
      limit: q.limit ?? 50,
      ...(kinds ? { kinds } : {}),
      ...(q.station !== undefined ? { stationId: q.station } : {}),
      ...(q.cursor !== undefined ? { beforeId: Number(q.cursor) } : {}),
    });
  });
};
