/**
 * Calling the real Express app with supertest as a given token holder: a case system, an operator or a manager of a
 * municipality. Tokens are signed with a test secret the app is built to verify.
 */
import request from 'supertest';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { Client } from '@temporalio/client';
import { createApp, type AppOptions } from '../../api/app.js';
import { createAuthenticator, signToken, type Role, type TokenRequest } from '../../api/auth.js';
import type { DefinitionRegistry } from '../../definitions/registry.js';
import { settle } from './driver.js';

export const TEST_SECRET = 'waakvlam-test-secret-0123456789abcdef';

/** The app as production builds it, verifying tokens signed with {@link TEST_SECRET}. */
export function testApp(client: Client, definitions: DefinitionRegistry, taskQueue: string, extra: Partial<AppOptions> = {}) {
  return createApp({ client, definitions, taskQueue, logger: pino({ level: 'silent' }), authenticate: createAuthenticator({ secret: TEST_SECRET }), ...extra });
}

export function token(role: Role, municipality = 'GM0363', extra: Partial<TokenRequest> = {}): Promise<string> {
  return signToken(TEST_SECRET, { subject: `${role}-1`, municipality, role, ...extra });
}

type App = Parameters<typeof request>[0];

/** supertest with the bearer token of `role` in `municipality`. */
export async function as(app: App, role: Role, municipality = 'GM0363', extra: Partial<TokenRequest> = {}) {
  const bearer = `Bearer ${await token(role, municipality, extra)}`;
  return {
    get: (path: string) => request(app).get(path).set('authorization', bearer),
    post: (path: string) => request(app).post(path).set('authorization', bearer),
  };
}

/** Asserts an RFC 9457 problem+json answer. */
export function expectProblem(res: request.Response, status: number, type: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status });
  expect(typeof res.body.title).toBe('string');
}

/** A workflow's history length once its background notification deliveries are done, so only requests change it. */
export async function historyLength(client: Client, workflowId: string): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  await settle(handle);
  return (await handle.fetchHistory()).events?.length ?? 0;
}

/** Whether a workflow with this id was ever started. */
export function exists(client: Client, workflowId: string): Promise<boolean> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .then(() => true)
    .catch(() => false);
}
