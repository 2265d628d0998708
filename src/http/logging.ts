import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { prettyFactory } from 'pino-pretty';
import { OPERATIONS_PATHS } from './security';

/**
 * Secrets never reach the log: credentials in headers, and any password, PIN, code or token
 * in a logged object, at any depth the serializers produce.
 *
 * One-time codes are the `code` field of an input (a REST body, GraphQL variables or an
 * operation's `input`), and are redacted there only: a bare `*.code` also hid the `code` of
 * every logged error (`err.code` ECONNREFUSED, a GraphQL error's `extensions.code`), which is
 * what an operator reads first.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.new_password',
  '*.newPassword',
  '*.pin',
  'input.code',
  'body.code',
  'variables.code',
  'variables.input.code',
  '*.input.code',
  '*.body.code',
  '*.variables.code',
  '*.variables.input.code',
  '*.token',
  '*.refresh_token',
  '*.refreshToken',
  '*.access_token',
  '*.accessToken',
  // Second factors (issue 18): the code sent with a password, and the challenge between them.
  'req.headers["x-otp"]',
  '*.otp',
  '*.input.otp',
  '*.variables.input.otp',
  '*.mfaToken',
  '*.variables.mfaToken',
  '*.extensions.mfaToken',
];

export type LogFormat = 'pretty' | 'json';

const pathWithoutQuery = (url: string): string => url.split('?', 1)[0];

/**
 * What a request log line says about the request. The URL loses its query string: a GraphQL
 * GET carries the whole operation there (a login's password with it), and links carry
 * `?token=`. The path alone is enough to read a log.
 */
function requestForLog(request: FastifyRequest) {
  // A log call may also hand over a plain object as `req`: keep it, minus the query string.
  if (typeof request !== 'object' || request === null) return request;
  if (!('raw' in request)) {
    const given = request as Record<string, unknown>;
    return { ...given, url: typeof given.url === 'string' ? pathWithoutQuery(given.url) : undefined };
  }
  return {
    method: request.method,
    url: pathWithoutQuery(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * One line per request, written when the answer has gone (Fastify's default is two: one on
 * arrival, one on completion): method, path, status, time and the request id. Probes and
 * scrapes (`/healthz`, `/readyz`, `/metrics`) are logged at debug: a load balancer polling
 * every second must not drown the requests that matter.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (OPERATIONS_PATHS.has(request.routeOptions.url ?? '')) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}

interface LogLine {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  reqId?: string;
  msg?: string;
  [key: string]: unknown;
}

/**
 * LOG_FORMAT=pretty: pino-pretty, in this thread, on the lines pino has already serialized and
 * redacted (so nothing the JSON log hides shows here). A request line reads
 * `POST /auth/login 401 12.3 ms [request id]`; any other line is pino-pretty's own.
 */
function prettyStream(destination: NodeJS.WritableStream): { write(line: string): void } {
  const colorize = destination === process.stdout && process.stdout.isTTY === true;
  const prettify = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,setting' });
  return {
    write(line: string) {
      const log = JSON.parse(line) as LogLine;
      if (log.req && log.res && typeof log.responseTime === 'number') {
        const { req, res, responseTime, reqId, msg, ...rest } = log;
        const summary = `${req.method} ${req.url} ${res.statusCode} ${responseTime.toFixed(1)} ms${reqId ? ` [${reqId}]` : ''}`;
        destination.write(prettify({ ...rest, msg: msg === 'request completed' ? summary : `${msg}: ${summary}` }));
        return;
      }
      destination.write(prettify(log));
    },
  };
}

/** Fastify's logger: level, format, redaction and the request serializer; `stream` replaces stdout (tests capture it). */
export function loggerOptions(level: string, format: LogFormat, stream?: NodeJS.WritableStream): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  return {
    logger: {
      level,
      stream: format === 'pretty' ? prettyStream(stream ?? process.stdout) : stream,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      serializers: { req: requestForLog },
    },
    logController: new RequestLog(),
  };
}
