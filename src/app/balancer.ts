/**
 * A tiny round-robin HTTP load balancer, a development convenience for running several
 * instances of one component behind the component's configured address (`portti start
 * --instances N`, the default `--balancer builtin`) without installing anything. It keeps the
 * client's `Host` header, so issuer URLs, DPoP `htu` and resource URIs are those of the
 * configured public address, and streams both ways (the consent feed is SSE). An instance
 * that refuses a connection is skipped for a few seconds and the request goes to the next.
 * It has no health checks, no timeouts and no logs: production runs a real load balancer,
 * e.g. HAProxy with `deploy/haproxy.cfg` (`--balancer haproxy` runs that file locally).
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A balancer on a component's configured address: its URL, and `close` to stop it. */
export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/** The built-in balancer, with its Node server. */
export interface BuiltInBalancer extends Balancer {
  server: Server;
}

const DOWN_FOR_MS = 3000;

/** Starts a balancer on host:port over the given instance ports (on 127.0.0.1). */
export async function startBalancer(host: string, port: number, backends: number[]): Promise<BuiltInBalancer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const downUntil = new Map<number, number>();
  let next = 0;
  const pick = (exclude: Set<number>): number | undefined => {
    const now = Date.now();
    for (let i = 0; i < backends.length; i += 1) {
      const candidate = backends[(next + i) % backends.length]!;
      if (exclude.has(candidate) || (downUntil.get(candidate) ?? 0) > now) continue;
      next = (next + i + 1) % backends.length;
      return candidate;
    }
    return backends.find((b) => !exclude.has(b));
  };

  const forward = (req: IncomingMessage, res: ServerResponse, tried: Set<number>) => {
    const backend = pick(tried);
    if (backend === undefined) {
      res.writeHead(502, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Bad Gateway',
          status: 502,
          code: 'upstream_unavailable',
          detail: 'no instance answered',
        }),
      );
      return;
    }
    tried.add(backend);
    const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
    const up = httpRequest({ host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      res.once('close', () => upRes.destroy());
      // an instance dying mid-answer (a consent feed stream) must not leave the client on a silent
      // connection that looks alive: cut it, so the client reconnects (to another instance)
      upRes.once('close', () => {
        if (!upRes.complete) res.destroy();
      });
    });
    up.once('error', (err: NodeJS.ErrnoException) => {
      // a refusing instance got nothing: a request without a body goes to the next one
      if (err.code === 'ECONNREFUSED' && !res.headersSent) {
        downUntil.set(backend, Date.now() + DOWN_FOR_MS);
        const bodiless = req.method === 'GET' || req.method === 'HEAD';
        if (bodiless && tried.size < backends.length) return forward(req, res, tried);
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Bad Gateway',
            status: 502,
            code: 'upstream_unavailable',
            detail: 'the instance failed',
          }),
        );
      } else res.destroy();
    });
    req.pipe(up);
  };

  const server = createServer((req, res) => forward(req, res, new Set()));
  server.requestTimeout = 0; // long-lived SSE streams pass through
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  return {
    server,
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
