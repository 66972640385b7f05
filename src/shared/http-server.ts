/**
 * The Fastify base every Portti server is built on: problem+json errors with stable
 * codes, health and readiness probes, Prometheus metrics and OpenAPI 3.1 generated
 * from the route schemas.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyHttpOptions,
  type FastifyServerOptions,
} from 'fastify';
import type { Server } from 'node:http';
import swagger from '@fastify/swagger';
import { PROBLEM_JSON, ProblemSchema } from './openapi/problem.schema.ts';
import { swaggerOptions, type OpenApiOptions } from './openapi/document.ts';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import { prefersHtml } from '../web/negotiate.ts';
import { isStoreUnavailable, ProblemError, problemBody, type ProblemBody, type ProblemCode } from './errors.ts';
import { loggerOptions } from './logger.ts';
import type { RouteDoc } from './openapi/route-doc.ts';

/** A readiness check: resolves when the dependency answers, rejects with a reason otherwise. */
/** A readiness check: throws when not ready; may resolve to a warning that /readyz reports without failing. */
export type ReadinessCheck = () => Promise<void | string>;

/** What a component tells the shared server base. */
export interface HttpServerOptions {
  /** Component name, shown in OpenAPI `info.title` and in logs. */
  name: string;
  description?: string;
  logLevel?: string;
  /** A ready pino logger; takes precedence over `logLevel`. */
  logger?: FastifyServerOptions['loggerInstance'];
  bodyLimit?: number;
  /** How long a client may take to send a whole request (slow clients are cut off); default 10 s. */
  requestTimeoutMs?: number;
  /** Extra Fastify options (e.g. `serverFactory` for the operator). */
  fastify?: Partial<FastifyServerOptions>;
  /** Errors as HTML pages for browsers that ask for HTML (content negotiation); APIs keep problem+json. */
  errorPage?: ErrorPage;
  /** What the OpenAPI document adds to the route schemas (token URL and scopes, a last pass). */
  openapi?: OpenApiOptions;
}

/** An HTML page for a problem (the reply's headers may be set), or undefined to answer problem+json after all. */
export type ErrorPage = (request: FastifyRequest, reply: FastifyReply, problem: ProblemBody) => Promise<string | undefined>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Registers a dependency checked by `/readyz`. */
    addReadinessCheck(name: string, check: ReadinessCheck): void;
    /** This server's Prometheus registry. */
    metrics: Registry;
  }
}

export { PROBLEM_JSON, ProblemSchema } from './openapi/problem.schema.ts';

/**
 * Creates a Fastify server with Portti's shared behaviour. Routes are added by the caller;
 * call `await app.ready()` (or `listen`) afterwards.
 *
 * @example const app = await createHttpServer({ name: 'portti-gateway' });
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const app = Fastify(serverOptions(options, requestTimeoutMs));
  refuseSmugglingAndSlowBodies(app, requestTimeoutMs);
  const registry = addMetrics(app, options.name);
  const checks = new Map<string, ReadinessCheck>();
  app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => void checks.set(name, check));
  app.addSchema(ProblemSchema);
  await app.register(swagger, swaggerOptions(options.name, options.description ?? '', options.openapi));
  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => answerError(error, request, reply, options.errorPage));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      problemBody(404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
      options.errorPage,
    ),
  );
  addProbes(app, checks, registry);
  return app;
}

/** Fastify's options: logging, limits and timeouts, and problem+json for what never reaches a route. */
function serverOptions(options: HttpServerOptions, requestTimeoutMs: number): FastifyHttpOptions<Server> {
  return {
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(options.logLevel, options.name) }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // slow clients (slowloris): the whole request must arrive in time; responses (SSE) may stream on
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: 5_000,
    // Node checks the request timeout on this interval (default 30 s): check often enough to matter
    http: { connectionsCheckingInterval: Math.min(1000, requestTimeoutMs) } as never,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      // malformed or too slow requests never reach a route: answer them as problem+json too
      const [status, code, reason, detail] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? ([431, 'headers_too_large', 'Request Header Fields Too Large', 'request headers exceed the size this server accepts'] as const)
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? ([408, 'request_timeout', 'Request Timeout', 'the request was not received in time'] as const)
            : ([400, 'bad_request', 'Bad Request', 'the request could not be parsed as HTTP'] as const);
      if (socket.writable) socket.end(rawProblemResponse(status, reason, problemBody(status, code, detail)));
      else socket.destroy(err);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // bad URLs and over-long path parameters are refused before routing: problem+json too
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const raw = reply as unknown as { code(n: number): { type(t: string): { send(b: unknown): unknown } } };
      raw
        .code(status)
        .type(PROBLEM_JSON)
        .send(problemBody(status, 'bad_request', status === 414 ? 'a path parameter is too long' : 'the request URL is malformed'));
    },
    ...options.fastify,
  };
}

/** A whole HTTP/1.1 response carrying a problem body, written straight to a socket that is then closed. */
function rawProblemResponse(status: number, reason: string, problem: ProblemBody): string {
  const body = JSON.stringify(problem);
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}`;
  return `${head}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Request smuggling: Node's parser already refuses conflicting Content-Length/Transfer-Encoding,
 * repeated Content-Length, obs-fold and bare LF; it accepts a repeated Host and transfer codings
 * other than `chunked` (then reads no body, leaving it as the next request). Refuse both and close.
 * Slow bodies: Node's requestTimeout stops counting once the headers are in, so a body dripped
 * in byte by byte would hold the connection (and a parser) forever; cut it off in time.
 */
function refuseSmugglingAndSlowBodies(app: FastifyInstance, requestTimeoutMs: number): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw.rawHeaders;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts += 1;
    const te = request.headers['transfer-encoding'];
    if (hosts > 1 || (te !== undefined && te.toLowerCase() !== 'chunked')) {
      throw new ProblemError(
        400,
        'bad_request',
        hosts > 1 ? 'more than one Host header' : 'only the chunked transfer coding is accepted',
        {},
        { Connection: 'close' },
      );
    }
    const length = request.headers['content-length'];
    if (request.raw.complete || (te === undefined && (length === undefined || length === '0'))) return;
    const timer = setTimeout(() => {
      if (request.raw.complete) return;
      const socket = request.raw.socket;
      const problem = problemBody(408, 'request_timeout', 'the request body was not received in time');
      if (socket.writable) socket.end(rawProblemResponse(408, 'Request Timeout', problem));
      socket.destroySoon();
    }, requestTimeoutMs);
    timer.unref();
    request.raw.once('end', () => clearTimeout(timer));
    request.raw.once('close', () => clearTimeout(timer));
  });
}

/** This server's Prometheus registry with the default metrics and request durations by route and status. */
function addMetrics(app: FastifyInstance, component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.decorate('metrics', registry);
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  return registry;
}

/** The one error handler: a ProblemError as it says, 5xx without details, Fastify's 4xx with a stable code. */
function answerError(error: FastifyError | ProblemError, request: FastifyRequest, reply: FastifyReply, errorPage?: ErrorPage) {
  if (error instanceof ProblemError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    reply.headers(error.headers);
    return sendProblem(request, reply, error.toBody(request.url.split('?')[0]), errorPage);
  }
  if (isStoreUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    reply.header('retry-after', '5');
    const detail = 'the database cannot be reached right now; nothing was changed, try again in a few seconds';
    return sendProblem(request, reply, problemBody(503, 'store_unavailable', detail), errorPage);
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, problemBody(500, 'internal_error'), errorPage, status === 503 ? 503 : 500);
  }
  const ext = error.validation
    ? {
        errors: error.validation.map((v) => ({
          field: `${error.validationContext ?? 'body'}${v.instancePath}`,
          message: v.message,
        })),
      }
    : {};
  const code = error.validation ? 'validation_failed' : (CLIENT_ERROR_CODES[status] ?? 'bad_request');
  return sendProblem(request, reply, problemBody(status, code, error.message, ext), errorPage);
}

/** Answers a problem: an HTML page to a browser that asks for one (when the server renders them), else problem+json. */
async function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemBody,
  errorPage?: ErrorPage,
  status = problem.status,
) {
  const page =
    errorPage && prefersHtml(request.headers.accept) ? await errorPage(request, reply, problem).catch(() => undefined) : undefined;
  if (page !== undefined) return reply.code(status).type('text/html; charset=utf-8').send(page);
  return reply.code(status).type(PROBLEM_JSON).send(problem);
}

/** Problem codes of the 4xx statuses Fastify itself answers with; any other is `bad_request`. */
const CLIENT_ERROR_CODES: Partial<Record<number, ProblemCode>> = {
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  404: 'not_found',
  405: 'method_not_allowed',
  429: 'rate_limited',
};

/** `/healthz`, `/readyz` (every readiness check), `/metrics` and `/openapi.json`, public. */
function addProbes(app: FastifyInstance, checks: Map<string, ReadinessCheck>, registry: Registry): void {
  const probe = (summary: string, openapi: RouteDoc) => ({ schema: { summary, tags: ['operations'] }, config: { openapi } });
  const healthy = { body: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } };
  app.get('/healthz', probe('Liveness: the process answers', healthy), async () => ({ status: 'ok' }));
  const warnings = { type: 'object', additionalProperties: { type: 'string' } };
  const ready = { problems: [503], body: { type: 'object', properties: { status: { const: 'ready' }, warnings }, required: ['status'] } };
  app.get('/readyz', probe('Readiness: every dependency answers (503 names the ones that do not)', ready), async (_request, reply) => {
    const failures: Record<string, string> = {};
    const warnings: Record<string, string> = {};
    await Promise.all(
      [...checks].map(async ([name, check]) => {
        try {
          const warning = await check();
          if (typeof warning === 'string') warnings[name] = warning;
        } catch (err) {
          failures[name] = (err as Error).message;
        }
      }),
    );
    if (Object.keys(failures).length > 0) {
      return reply
        .code(503)
        .type(PROBLEM_JSON)
        .send(problemBody(503, 'not_ready', 'A dependency is not ready', { checks: failures }));
    }
    return Object.keys(warnings).length > 0 ? { status: 'ready', warnings } : { status: 'ready' };
  });
  app.get(
    '/metrics',
    probe('Prometheus metrics', { produces: 'text/plain; version=0.0.4', body: { type: 'string' } }),
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  app.get('/openapi.json', probe('This OpenAPI 3.1 document', { body: { type: 'object' } }), async () => app.swagger());
}
