/**
 * The one error handler: every error, from a route, a hook, a plugin or Fastify itself, leaves as
 * `{ error: { code, message, details } }` with a catalogue code. Below 500 the message and details
 * go to the client; at 500 and above only the catalogue message does, and the real error is logged.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModelError, type ModelErrorKind } from '../model/errors.js';
import { ApiError, batchValidationError, ERRORS, type ErrorCode, type ErrorDetail } from './errors.js';

/** Fastify's own error codes → ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ARREARS_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ARREARS_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ARREARS_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ARREARS_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ARREARS_MALFORMED_BODY',
  FST_ERR_BAD_URL: 'ARREARS_BAD_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'ARREARS_URI_TOO_LONG',
  FST_UNDER_PRESSURE: 'ARREARS_OVERLOADED',
};

/** The serving lifecycle's errors → ours. */
const MODEL_CODES: Record<ModelErrorKind, ErrorCode> = {
  no_model: 'ARREARS_NO_MODEL',
  not_found: 'ARREARS_MODEL_NOT_FOUND',
  ambiguous: 'ARREARS_CONFLICT',
  conflict: 'ARREARS_CONFLICT',
  invalid_bundle: 'ARREARS_BUNDLE_INVALID',
};

function modelError(e: ModelError): ApiError {
  const code = MODEL_CODES[e.kind];
  // A refused bundle names what is wrong with it against the route's `version` parameter.
  const cause = e.kind === 'invalid_bundle' && e.cause instanceof Error ? e.cause.message : null;
  return new ApiError(code, e.message, cause ? [{ path: 'version', issue: cause }] : []);
}

/** Fastify errors whose own message quotes the request (the whole URL): the catalogue message goes out instead. */
const ECHOING: Record<string, ErrorDetail> = {
  FST_ERR_BAD_URL: { path: 'url', issue: 'not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { path: 'url', issue: 'a path parameter is longer than any id or version' },
};

function validationDetails(err: FastifyError): ErrorDetail[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const rest = v.instancePath.replace(/^\//, '').split('/').filter(Boolean);
    return { path: [where === 'body' ? null : where, ...rest].filter(Boolean).join('.') || where, issue: v.message ?? 'invalid' };
  });
}

/** Maps any thrown value to an ApiError; anything unexpected becomes ARREARS_INTERNAL. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ModelError) return modelError(err);
  const e = err as FastifyError;
  if (e && Array.isArray(e.validation)) {
    // A batch's errors are grouped and capped per item, so an invalid batch cannot amplify into a huge answer.
    if (e.validationContext === 'body' && e.validation.some((v) => /^\/items\/\d+/.test(v.instancePath))) {
      const issues = e.validation.map((v) => ({
        path: v.instancePath
          .replace(/^\//, '')
          .split('/')
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        message: v.message ?? 'invalid',
      }));
      return batchValidationError(issues);
    }
    const details = validationDetails(e);
    return new ApiError('ARREARS_VALIDATION', `${details.length} invalid field${details.length === 1 ? '' : 's'}`, details);
  }
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped && ECHOING[e.code]) return new ApiError(mapped, undefined, [ECHOING[e.code]]);
  if (mapped) return new ApiError(mapped, mapped === 'ARREARS_OVERLOADED' ? undefined : e.message);
  // A JSON SyntaxError from the body parser carries statusCode 400 and no code.
  if (e instanceof SyntaxError && (e as FastifyError).statusCode === 400)
    return new ApiError('ARREARS_MALFORMED_BODY', `the request body is not valid JSON: ${e.message}`);
  if (e?.statusCode === 404) return new ApiError('ARREARS_NOT_FOUND');
  if (e?.statusCode === 405) return new ApiError('ARREARS_METHOD_NOT_ALLOWED');
  if (e?.statusCode === 413) return new ApiError('ARREARS_BODY_TOO_LARGE');
  if (e?.statusCode === 415) return new ApiError('ARREARS_UNSUPPORTED_MEDIA_TYPE');
  if (e?.statusCode === 429) return new ApiError('ARREARS_RATE_LIMITED');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ApiError('ARREARS_VALIDATION', e.message);
  return new ApiError('ARREARS_INTERNAL');
}

export function sendError(app: FastifyInstance, _req: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  app.metrics?.errors.inc({ code: err.code });
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(ERRORS[err.code].status).type('application/json').send(err.toBody());
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (bad percent-encoding, a path
 * parameter over the router's limit) would otherwise leave in Fastify's shape, quoting the URL.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const apiErr = toApiError(err);
  req.log.info({ code: apiErr.code, status: apiErr.statusCode }, 'request refused before routing');
  return sendError(req.server, req, reply, apiErr);
}

const CLIENT_ERRORS: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'ARREARS_REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'ARREARS_HEADERS_TOO_LARGE',
};

/**
 * Fastify's `clientErrorHandler`: the answer to bytes that never became a request (malformed HTTP,
 * headers over the limit, a request that did not arrive within the request timeout). It writes the
 * common error shape straight to the socket and closes it, as Node's own handler does, but only
 * when nothing of a response has been written yet, so a half-sent reply is never corrupted.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const code = CLIENT_ERRORS[err.code ?? ''] ?? 'ARREARS_MALFORMED_REQUEST';
    const body = JSON.stringify(new ApiError(code).toBody());
    const status = ERRORS[code].status;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
    return;
  }
  socket.destroy();
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.statusCode >= 500 && apiErr.code === 'ARREARS_INTERNAL') req.log.error({ err }, 'unhandled error');
    else if (apiErr.statusCode >= 500) req.log.warn({ code: apiErr.code, msg: apiErr.message }, 'service unavailable');
    else req.log.info({ code: apiErr.code, status: apiErr.statusCode }, 'request refused');
    return sendError(app, req, reply, apiErr);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(app, req, reply, new ApiError('ARREARS_NOT_FOUND', `no route ${req.method} ${req.routeOptions?.url ?? 'for this path'}`)),
  );
}
