/**
 * RFC 9457 problem details: the one error format of the API. Every error, whatever raised it, leaves through
 * {@link problemHandler} as `application/problem+json`.
 */
import { EncryptionError } from '../runtime/encryption.js';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';

/** One field-level error: where in the request, and what is wrong. */
export interface FieldError {
  /** JSON-pointer-like path into the request, e.g. `/body/caseRef`. */
  path: string;
  message: string;
}

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Problem types the API uses; `type` is a relative URI under `/problems/`. */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  'unsupported-media-type': { status: 415, title: 'The request body must be application/json' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'The token\'s role may not do this' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'not-found': { status: 404, title: 'The resource does not exist' },
  'method-not-allowed': { status: 405, title: 'The method is not allowed on this resource' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  'unprocessable': { status: 422, title: 'The request cannot be processed in the current state' },
  'service-unavailable': { status: 503, title: 'A dependency is unavailable' },
  'internal-error': { status: 500, title: 'Internal server error' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/** Throw this from a route to answer with a problem document. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly problemType: ProblemType,
    detail?: string,
    readonly extensions: Partial<ProblemDocument> = {},
  ) {
    super(detail ?? PROBLEM_TYPES[problemType].title);
  }
}

/** Turns zod issues into field errors, prefixing the part of the request they came from. */
export function fieldErrors(error: ZodError, where: 'body' | 'query' | 'params'): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => ({
      path: '/' + [where, ...issue.path, ...(key === undefined ? [] : [key])].map(String).join('/'),
      message: issue.message,
    }));
  }).flat();
}

function problem(type: ProblemType, detail: string | undefined, instance: string, extra: Partial<ProblemDocument> = {}): ProblemDocument {
  const { status, title } = PROBLEM_TYPES[type];
  return { type: `/problems/${type}`, title, status, ...(detail ? { detail } : {}), instance, ...extra };
}

/** 404 for any route nobody handled. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ProblemError('not-found', `no resource at ${req.method} ${req.path}`));
};

/** The municipality the payload codec has no key for (runtime/encryption.ts), if that is the error or its cause. */
function missingKeyOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EncryptionError && e.missingKeyOf) return e.missingKeyOf;
  }
  return undefined;
}

/**
 * The central error handler. Known errors become their problem; body-parser errors become 400/413/415; anything
 * else is logged and answered with a 500 that leaks no internals.
 */
export function problemHandler(onUnexpected: (err: unknown, req: Parameters<RequestHandler>[0]) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let doc: ProblemDocument;
    const instance = req.originalUrl;
    if (err instanceof ProblemError) {
      doc = problem(err.problemType, err.message, instance, err.extensions);
    } else if (err?.type === 'entity.parse.failed') {
      doc = problem('malformed-json', 'the body could not be parsed as JSON', instance);
    } else if (err?.type === 'entity.too.large') {
      doc = problem('payload-too-large', `the body exceeds the limit of ${err.limit} bytes`, instance);
    } else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') {
      doc = problem('unsupported-media-type', String(err.message), instance);
    } else if (Number.isInteger(err?.status) && err.status >= 400 && err.status < 500) {
      // Other client errors Express and body-parser recognise (a malformed URL escape, a corrupt gzip body…).
      const detail = err instanceof URIError ? 'a path parameter is not valid URL encoding' : String(err.message);
      doc = { ...problem('invalid-request', detail, instance), status: err.status };
    } else if (missingKeyOf(err)) {
      // A municipality without an encryption key: the deployment's configuration, not the request (nothing written).
      onUnexpected(err, req);
      const municipality = missingKeyOf(err);
      doc = problem('service-unavailable', `this deployment has no encryption key for ${municipality} yet: its key file needs one (npm run keys), then a restart`, instance);
    } else {
      onUnexpected(err, req);
      doc = problem('internal-error', undefined, instance);
    }
    if (doc.status === 401) res.set('www-authenticate', 'Bearer realm="waakvlam"');
    res.status(doc.status).type('application/problem+json').json(doc);
  };
}
