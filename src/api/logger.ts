/**
 * Structured pino logging. Borrower features and ids never reach a log line: request bodies are
 * never logged, the request URL is logged as its route pattern (`/v1/accounts/:id`, not the id),
 * and anything that looks like borrower data is redacted should it be passed to a log call.
 */
import type { FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config.js';

/** Paths pino censors wherever they appear (one level deep and at the top). */
export const REDACT_PATHS = [
  'body',
  'req.body',
  'features',
  '*.features',
  'items',
  '*.items',
  'borrowerId',
  '*.borrowerId',
  'accountId',
  '*.accountId',
  'row',
  '*.row',
  'rows',
  '*.rows',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: FastifyRequest) {
        return {
          method: req.method,
          // The route pattern, never the raw URL: paths and query strings can hold account ids.
          route: req.routeOptions?.url ?? '(no route)',
          remoteAddress: req.ip,
        };
      },
    },
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config));
}
