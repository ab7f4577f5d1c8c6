import { shell } from './views.js';
import { esc, prose, refName, schemaAnchor, schemaHtml, itemHtml, type Components, type Schema } from './views-api-schema.js';

/**
 * The API reference (issue 18: "the API reference page in the product's own look, readable on a phone"), rendered on
 * the server from the OpenAPI document @fastify/swagger builds (app.swagger()), in the pages' layout and app.css:
 * how to sign in, a table of contents by tag, then per tag its operations, each with method, path, summary,
 * description (which says who may call it), parameters, request body and responses, schemas as nested lists
 * (views-api-schema.ts). Every operation and tag has an anchor. No script is needed to read it (api-docs.js only
 * adds a filter); the document itself stays at /api/openapi.json.
 */

export interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
  security?: Record<string, string[]>[];
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
const UNTAGGED = 'other';

interface Entry { method: string; path: string; op: Operation; id: string }

/** A stable anchor per operation: "op-get-api-v1-sites-siteId" (numbered if two ever collide). */
function anchors(doc: OpenApiDocument): Entry[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = ops[method];
      if (!op) continue;
      const base = `op-${method}-${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-|-$/g, '')}`;
      let id = base;
      for (let i = 2; seen.has(id); i++) id = `${base}-${i}`;
      seen.add(id);
      out.push({ method, path, op, id });
    }
  }
  return out;
}

const tagAnchor = (tag: string) => `tag-${tag.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
const method = (m: string) => `<span class="method m-${m}">${m.toUpperCase()}</span>`;
/** Paths break after each slash on a phone (<wbr>), and nowhere else. */
const path = (p: string) => `<code class="path">${esc(p).replace(/\//g, '/<wbr>')}</code>`;

/** Who may call it: public when the operation says `security: []`, else the document's schemes. */
function access(op: Operation, doc: OpenApiDocument): string {
  const security = op.security ?? doc.security ?? [];
  if (security.length === 0 || security.some((s) => Object.keys(s).length === 0)) return 'No sign-in needed.';
  const names = security.flatMap((s) => Object.keys(s)).map((n) => `<a href="#auth">${esc(n)}</a>`);
  return `Needs sign-in: ${names.join(' or ')}.`;
}

function parametersHtml(op: Operation): string {
  const params = op.parameters ?? [];
  if (!params.length) return '';
  const items = params.map((p) =>
    itemHtml(p.name, { ...(p.schema ?? {}), ...(p.description ? { description: p.description } : {}) }, p.required === true, 0, ` <span class="in">in ${esc(p.in)}</span>`));
  return `<h4>Parameters</h4><ul class="schema params">${items.join('')}</ul>`;
}

function contentHtml(content: Record<string, { schema?: Schema }> | undefined): string {
  return Object.entries(content ?? {}).map(([type, c]) =>
    `<div class="media"><p class="media-type"><code>${esc(type)}</code></p>${c.schema ? schemaHtml(c.schema) : ''}</div>`).join('');
}

function bodyHtml(op: Operation): string {
  const body = op.requestBody;
  if (!body) return '';
  return `<h4>Request body${body.required ? ' <span class="req">required</span>' : ''}</h4>`
    + `${body.description ? `<p>${prose(body.description)}</p>` : ''}${contentHtml(body.content)}`;
}

function responsesHtml(op: Operation): string {
  const rows = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const only = r.content && Object.values(r.content).every((c) => typeof c.schema?.$ref === 'string');
    // A shared error shape is named (and linked) on one line; other answers show their schema.
    const detail = only
      ? ` <span class="type">${Object.values(r.content!).map((c) => `<a href="#${schemaAnchor(refName(String(c.schema!.$ref)))}">${esc(refName(String(c.schema!.$ref)))}</a>`).join(', ')}</span>`
      : contentHtml(r.content);
    return `<li><span class="status s${esc(status[0])}">${esc(status)}</span> ${prose(r.description ?? '')}${detail}</li>`;
  });
  return rows.length ? `<h4>Responses</h4><ul class="responses">${rows.join('')}</ul>` : '';
}

function operationHtml(e: Entry, doc: OpenApiDocument): string {
  const { op } = e;
  return `<article class="card op" id="${e.id}" aria-labelledby="${e.id}-h" data-search="${esc(`${e.method} ${e.path} ${op.summary ?? ''} ${(op.tags ?? []).join(' ')}`.toLowerCase())}">
<h3 id="${e.id}-h" class="op-title">${method(e.method)} ${path(e.path)}</h3>
${op.summary ? `<p class="op-summary">${prose(op.summary)}</p>` : ''}${op.deprecated ? '<p class="bad">Deprecated.</p>' : ''}
${op.description ? `<p>${prose(op.description)}</p>` : ''}
<p class="access muted">${access(op, doc)}</p>
${parametersHtml(op)}${bodyHtml(op)}${responsesHtml(op)}
</article>`;
}

function authHtml(doc: OpenApiDocument): string {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {}).map(([name, s]) => {
    const how = s.type === 'http' ? `HTTP ${esc(s.scheme ?? '')} (<code>Authorization: Bearer ${esc(s.bearerFormat ?? '…')}</code>)` : s.type === 'apiKey' ? `the ${esc(s.in ?? '')} <code>${esc(s.name ?? '')}</code>` : esc(s.type ?? '');
    return `<li><code class="name">${esc(name)}</code>: ${how}${typeof s.description === 'string' ? `: ${prose(s.description)}` : ''}</li>`;
  });
  return `<section class="card" id="auth" aria-labelledby="auth-h"><h2 id="auth-h">Signing in</h2><ul class="schema">${schemes.join('')}</ul>
<p>Roles and scopes: <code>docs/auth.md</code>; scope rules, CSV formats and error codes: <code>docs/api.md</code>.</p></section>`;
}

function schemasHtml(components: Components): string {
  const entries = Object.entries(components);
  if (!entries.length) return '';
  return `<section class="card" aria-labelledby="schemas-h"><h2 id="schemas-h">Shared schemas</h2>${entries.map(([name, s]) =>
    `<section id="${schemaAnchor(name)}" aria-labelledby="${schemaAnchor(name)}-h"><h3 id="${schemaAnchor(name)}-h"><code>${esc(name)}</code></h3>${typeof s.description === 'string' ? `<p>${prose(s.description)}</p>` : ''}${schemaHtml(s)}</section>`).join('')}</section>`;
}

/** The whole page for a document. */
export function apiDocsPage(doc: OpenApiDocument): string {
  const entries = anchors(doc);
  const declared = (doc.tags ?? []).map((t) => t.name);
  const used = [...new Set(entries.flatMap((e) => e.op.tags?.length ? e.op.tags : [UNTAGGED]))];
  const tags = [...declared.filter((t) => used.includes(t)), ...used.filter((t) => !declared.includes(t))];
  const about = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
  const of = (tag: string) => entries.filter((e) => (e.op.tags?.length ? e.op.tags : [UNTAGGED]).includes(tag));
  const title = doc.info?.title ?? 'API';

  const toc = tags.map((t) => `<li><a href="#${tagAnchor(t)}">${esc(t)}</a> <span class="muted">(${of(t).length})${about.get(t) ? `: ${prose(about.get(t))}` : ''}</span></li>`).join('');
  const sections = tags.map((t) => {
    const ops = of(t);
    return `<section class="tag" id="${tagAnchor(t)}" aria-labelledby="${tagAnchor(t)}-h" data-tag="${esc(t)}">
<h2 id="${tagAnchor(t)}-h">${esc(t)}</h2>${about.get(t) ? `<p class="muted">${prose(about.get(t))}</p>` : ''}
<ul class="op-index">${ops.map((e) => `<li><a href="#${e.id}">${method(e.method)} ${path(e.path)}</a></li>`).join('')}</ul>
<div class="stack ops">${ops.map((e) => operationHtml(e, doc)).join('\n')}</div>
</section>`;
  }).join('\n');

  return shell({
    title: 'API reference',
    script: 'api-docs.js',
    styles: ['api-docs.css'],
    body: `<div class="api-docs">
<section class="card" aria-labelledby="api-h">
<h1 id="api-h">${esc(title)} API reference</h1>
${doc.info?.description ? `<p>${prose(doc.info.description)}</p>` : ''}
<p class="muted">Version ${esc(doc.info?.version ?? '?')}, ${entries.length} operations. The OpenAPI 3.1 document as JSON: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<div id="api-filter"></div>
</section>
<nav class="card" aria-labelledby="toc-h"><h2 id="toc-h">Contents</h2><ul class="toc">${toc}<li><a href="#auth">Signing in</a></li><li><a href="#schemas-h">Shared schemas</a></li></ul></nav>
${authHtml(doc)}
${sections}
${schemasHtml(doc.components?.schemas ?? {})}
</div>`,
  });
}
