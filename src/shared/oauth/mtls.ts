/**
 * Mutual TLS (RFC 8705) for server-to-server clients: a second, HTTPS listener of the same
 * Fastify app that requires a client certificate from a configured CA, and the
 * certificate thumbprint (`x5t#S256`) of a request's connection, computed once per
 * connection and cached on the socket.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { hash, type X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Where the mutual-TLS listener listens and its certificate, key and client CA files. */
export interface MtlsListenerConfig {
  listen: { host: string; port: number };
  cert_file: string;
  key_file: string;
  client_ca_file: string;
}

/** Starts the HTTPS listener; every request goes through the same routes as the plain one. */
export async function startMtlsListener(app: FastifyInstance, config: MtlsListenerConfig): Promise<Server> {
  const server = createServer(
    {
      cert: readFileSync(config.cert_file),
      key: readFileSync(config.key_file),
      ca: readFileSync(config.client_ca_file),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (req, res) => app.routing(req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  return server;
}

const thumbprints = new WeakMap<object, string | null>();

/** The verified client certificate of the request's TLS connection, if any. */
export function peerCertificate(req: IncomingMessage): X509Certificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function' || !socket.authorized) return undefined;
  return socket.getPeerX509Certificate();
}

/** base64url(SHA-256(DER)) of the connection's client certificate; cached per connection. */
export function connectionThumbprint(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (thumbprints.has(socket)) return thumbprints.get(socket) ?? undefined;
  const cert = peerCertificate(req);
  const value = cert ? hash('sha256', cert.raw, 'base64url') : null;
  thumbprints.set(socket, value);
  return value ?? undefined;
}

/** Closes a listener and its open connections. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The optional mutual-TLS listener of a component: started on demand, closed with it. */
export function mtlsListener(app: FastifyInstance, config: (MtlsListenerConfig & { public_url: string }) | undefined) {
  let server: Server | undefined;
  return {
    /** Starts the listener when configured; returns its public URL. */
    async listen(): Promise<string | undefined> {
      if (!config) return undefined;
      server = await startMtlsListener(app, config);
      return config.public_url;
    },
    close: () => closeServer(server),
  };
}
