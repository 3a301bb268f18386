/**
 * A route is data: method, path, who may call it, the zod schemas of its parameters, query, body and responses, and
 * its handler. The same table mounts the Express routes (validation with these schemas) and generates the OpenAPI
 * document, so the contract and the behaviour cannot drift apart.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal, Role } from './auth.js';
import type { JsonLimits } from './json-limits.js';
import type { Refusal } from './refusals.js';

/** A documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** The body's schema; none for an empty body. */
  schema?: z.ZodType;
  /** Default `application/json` (`application/problem+json` for 4xx/5xx). */
  contentType?: string;
}

/** What a handler gets: the caller and the validated request parts. */
export interface RouteContext<P, Q, B> {
  /** The verified caller (public routes have none: reading it there throws). */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteSpec<P extends z.ZodType | undefined = any, Q extends z.ZodType | undefined = any, B extends z.ZodType | undefined = any> {
  method: 'get' | 'post' | 'delete' | 'options';
  /** Express path, e.g. `/v1/trajectories/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Group in the documentation. */
  tag: string;
  /** The roles that may call it, or `public` (no token). */
  roles: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The body's schema as documented, when the handler validates more than `body` does (a definition: `body` takes
   * any object, the definition validator applies this schema and then checks references). Default `body`.
   */
  documentedBody?: z.ZodType;
  /** Largest accepted body, as body-parser reads it (`100kb`). Default: the app's limit. */
  bodyLimit?: string;
  /** Bounds on the JSON body (api/json-limits.ts). Default `BODY_LIMITS`. */
  jsonLimits?: JsonLimits;
  /**
   * The token may also come from the codec session cookie (api/codec.ts) when there is no `Authorization` header: the
   * Temporal Web UI's "include cross-origin credentials". Only the codec server's routes.
   */
  sessionCookie?: boolean;
  /**
   * The refusals (of the engine or the catalog) the route can meet: the document lists each under its status, with
   * what it means, from the one table in `api/refusals.ts`.
   */
  refusals?: readonly Refusal[];
  /**
   * Error statuses beyond those that follow from what the route validates and its refusals, each with what it means
   * here (e.g. 409 for a case that has a trajectory already).
   */
  errors?: { [status: number]: string };
  /** Success responses (errors are documented for every route from what it validates). */
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>>) => Promise<void> | void;
}

/** Declares a route (an identity function that lets TypeScript infer the handler's types from the schemas). */
export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

/** `/v1/trajectories/:id` → `/v1/trajectories/{id}` (OpenAPI). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
