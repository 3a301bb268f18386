/**
 * The contract as a manual, without a Temporal server: the OpenAPI document describes every field and parameter with
 * an example, engine refusals become problems through one table (which the document lists per route), and the
 * browsable page is Swagger UI served from our own origin under its own strict Content-Security-Policy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ApplicationFailure, type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { createApp } from '../api/app.js';
import { DOCS_ASSETS, DOCS_CSP } from '../api/docs.js';
import { PROBLEM_TYPES, ProblemError } from '../api/problem.js';
import { REFUSALS, type Refusal } from '../api/refusals.js';
import { translateTemporalError } from '../api/services.js';
import { DefinitionRegistry } from '../definitions/registry.js';

// Documentation routes are public and touch no Temporal client.
const app = createApp({
  client: {} as Client,
  definitions: DefinitionRegistry.shipped({ activities: [] }),
  taskQueue: 'contract',
  logger: pino({ level: 'silent' }),
  authenticate: () => Promise.reject(new ProblemError('unauthorized')),
});

type Schema = { [key: string]: unknown; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[] };
type Operation = { operationId: string; parameters: Array<{ name: string; in: string; description?: string; example?: unknown }>; responses: Record<string, { description: string }> };

const document = async () => (await request(app).get('/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };

/** A schema that carries its own examples further down (an object's fields, an array's items, alternatives of those). */
const structured = (s: Schema): boolean => Boolean(s.properties || s.items || [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(structured));

/** Every property of every schema in the document, with where it is. */
function properties(node: unknown, where: string, out: Array<{ where: string; schema: Schema }> = []) {
  if (Array.isArray(node)) node.forEach((n, i) => properties(n, `${where}/${i}`, out));
  else if (node && typeof node === 'object') {
    const s = node as Schema;
    if (s.properties && typeof s.properties === 'object' && !Array.isArray(s.properties)) {
      for (const [name, schema] of Object.entries(s.properties)) out.push({ where: `${where}/properties/${name}`, schema });
    }
    for (const [key, value] of Object.entries(s)) properties(value, `${where}/${key}`, out);
  }
  return out;
}

describe('the OpenAPI document as a manual', () => {
  it('describes every property and every parameter, each with an example', async () => {
    const doc = await document();
    expect((await new Validator().validate(structuredClone(doc))).valid).toBe(true);
    const all = properties(doc, '');
    const parameters = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) => op.parameters.map((p) => ({ where: `${method} ${path} ${p.in} ${p.name}`, p }))),
    );
    expect(all.length).toBeGreaterThan(1000);
    expect(parameters.length).toBeGreaterThan(25);
    // Listed, so a failure says which.
    expect(all.filter(({ schema }) => typeof schema.description !== 'string' || !schema.description).map((x) => x.where)).toEqual([]);
    expect(all.filter(({ schema }) => !structured(schema) && !(Array.isArray(schema.examples) && schema.examples.length)).map((x) => x.where)).toEqual([]);
    expect(parameters.filter(({ p }) => !p.description).map((x) => x.where)).toEqual([]);
    expect(parameters.filter(({ p }) => p.example === undefined).map((x) => x.where)).toEqual([]);
  });

  it('shows dates and flags as a reader takes them, not as regular expressions', async () => {
    const list = (await document()).paths['/v1/trajectories']!.get!.parameters as unknown as Array<{ name: string; schema: Schema; example: unknown }>;
    const param = (name: string) => list.find((p) => p.name === name)!;
    expect(param('deadlineBefore').schema).toMatchObject({ type: 'string', format: 'date-time', pattern: '^(19[7-9]\\d|2[01]\\d\\d)-' });
    expect(JSON.stringify(param('deadlineBefore').schema).length).toBeLessThan(400);
    expect(param('overdue')).toMatchObject({ example: 'true', schema: { const: 'true', description: expect.stringMatching(/stalled/) } });
  });

  it('documents the exact state: no field but those listed', async () => {
    const get = (await document()).paths['/v1/trajectories/{id}']!.get!.responses['200'] as unknown as { content: Record<string, { schema: Schema }> };
    const state = get.content['application/json']!.schema;
    expect(state.additionalProperties).toBe(false);
    expect(Object.keys(state.properties!)).toEqual(expect.arrayContaining(['id', 'openSteps', 'phaseHistory', 'events', 'incidents', 'reopenings', 'closeReason']));
    const step = (state.properties!.openSteps as Schema).items!;
    expect(step.additionalProperties).toBe(false);
    expect(step.required).toContain('openForSeconds');
  });
});

describe('refusals', () => {
  const updateRefused = (type: string) => new WorkflowUpdateFailedError('update failed', ApplicationFailure.nonRetryable(`refused: ${type}`, type));
  const answer = (err: unknown) => translateTemporalError({} as Client, err, 'GM0363-ZAAK-1').catch((e: unknown) => e);

  it('become problems through the one table, a type outside it a 422', async () => {
    for (const type of Object.keys(REFUSALS) as Refusal[]) {
      const problem = await answer(updateRefused(type));
      expect(problem, type).toBeInstanceOf(ProblemError);
      expect((problem as ProblemError).problemType, type).toBe(REFUSALS[type].problem);
      expect((problem as ProblemError).message).toBe(`refused: ${type}`);
    }
    expect(PROBLEM_TYPES[REFUSALS.StepNotOpen.problem].status).toBe(409);
    expect(PROBLEM_TYPES[REFUSALS.EscalationNotFound.problem].status).toBe(404);
    expect(PROBLEM_TYPES[REFUSALS.InvalidRequest.problem].status).toBe(422);
    expect(((await answer(updateRefused('SomethingElse'))) as ProblemError).problemType).toBe('unprocessable');
  });

  it('are listed in the document under the status each route answers them with', async () => {
    const { paths } = await document();
    const complete = paths['/v1/trajectories/{id}/steps/{stepId}/complete']!.post!.responses;
    expect(complete['409']!.description).toMatch(/the step is not open .*\(`StepNotOpen`\)/);
    expect(complete['409']!.description).toMatch(/\(`TrajectoryClosed`\)/);
    expect(complete['422']!.description).toMatch(/\(`InvalidRequest`\)/);
    const acknowledge = paths['/v1/trajectories/{id}/escalations/{escalationId}/acknowledge']!.post!.responses;
    expect(acknowledge['404']!.description).toMatch(/\(`EscalationNotFound`\)/);
    expect(acknowledge['409']!.description).toMatch(/\(`StateConflict`\)/);
    expect(acknowledge['422']).toBeUndefined();
    // A signal cannot be refused by the engine: reporting an event meets a closed trajectory only.
    const event = paths['/v1/trajectories/{id}/events']!.post!.responses;
    expect(event['409']!.description).toMatch(/\(`TrajectoryClosed`\)/);
    expect(event['422']).toBeUndefined();
    expect(paths['/v1/definitions']!.post!.responses['409']!.description).toMatch(/\(`VersionNotNewer`\)/);
  });
});

describe('the browsable page', () => {
  const require = createRequire(import.meta.url);

  it('is Swagger UI, every file from this origin, under a Content-Security-Policy that allows nothing inline or from elsewhere', async () => {
    const page = await request(app).get('/v1/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toBe(DOCS_CSP);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    // No inline script or style: every script is a file, and no element carries a style or an event handler.
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]!.trim())).toEqual(['src="/v1/docs/assets/swagger-ui-bundle.js"', 'src="/v1/docs/assets/docs-init.js"']);
    expect(scripts.every((m) => m[2]!.trim() === '')).toBe(true);
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const referenced = [...page.text.matchAll(/(?:src|href)="(\/v1\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(referenced.sort()).toEqual(Object.keys(DOCS_ASSETS).map((f) => `/v1/docs/assets/${f}`).sort());
    for (const path of referenced) {
      const asset = await request(app).get(path).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(asset.status, path).toBe(200);
      expect(asset.headers['content-type'], path).toMatch(path.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/);
      expect(asset.headers['content-security-policy'], path).toBe(DOCS_CSP);
      expect(asset.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(asset.body as Buffer, readFileSync(DOCS_ASSETS[path.split('/').pop()!]!)), path).toBe(0);
    }
    // Swagger UI itself, from the npm package, and our start-up script pointing it at the document.
    expect(readFileSync(DOCS_ASSETS['swagger-ui-bundle.js']!, 'utf8')).toContain('SwaggerUIBundle');
    expect(DOCS_ASSETS['swagger-ui-bundle.js']).toBe(require.resolve('swagger-ui-dist/swagger-ui-bundle.js'));
    expect(readFileSync(DOCS_ASSETS['docs-init.js']!, 'utf8')).toMatch(/SwaggerUIBundle\(\{[\s\S]*url: '\/v1\/openapi\.json'[\s\S]*validatorUrl: null/);
    // What the page loads is the document.
    expect((await request(app).get('/v1/openapi.json').expect(200)).body.openapi).toBe('3.1.0');
  });

  it('serves nothing else from the package or the disk', async () => {
    for (const path of ['/v1/docs/assets/index.html', '/v1/docs/assets/swagger-initializer.js', '/v1/docs/assets/..%2F..%2Fpackage.json', '/v1/docs/assets/__proto__']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});
