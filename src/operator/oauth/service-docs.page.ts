/**
 * The operator's `service_documentation` (RFC 8414): one page for a service's developers saying
 * what a standard OAuth client needs here (client authentication, DPoP, PAR, the
 * `personal_data_access` details, introspection and revocation) and where the machine-readable
 * descriptions are. English only: its readers are developers.
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../../web/html.ts';
import { CLIENT_AUTH_ALGS } from '../token-status/client-auth.ts';

/** The page, for an operator at `issuer`. */
export function serviceDocumentation(issuer: string, mtls: boolean): string {
  const algs = CLIENT_AUTH_ALGS.join(', ');
  const link = (path: string) => html`<a href="${issuer}${path}"><code>${issuer}${path}</code></a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Portti operator: documentation for services</title>
        <link rel="stylesheet" href="/assets/portti.css" />
      </head>
      <body>
        <main id="main">
          <h1>Connecting a service to this operator</h1>
          <p>
            Authorization server metadata (RFC 8414): ${link('/.well-known/oauth-authorization-server')}. The HTTP APIs (OpenAPI 3.1):
            ${link('/openapi.json')}.
          </p>
          <h2>What a client needs</h2>
          <ul>
            <li>Registration by the operator, with a data agreement and your public keys (<code>jwks</code> or <code>jwks_uri</code>).</li>
            <li>Client authentication <code>private_key_jwt</code> (RFC 7523) signed with ${algs}; audience the issuer.</li>
            <li>
              DPoP (RFC 9449) on every token request and API call, proofs signed with
              ${algs}${
                mtls
                  ? html`; or, registered for it, tokens bound to your TLS client certificate (RFC 8705) at the
                      <code>mtls_endpoint_aliases</code>`
                  : ''
              }.
            </li>
            <li>
              Client credentials with <code>scope=consent_request</code> and <code>resource=${issuer}/api</code> for the consent-request
              API; with RFC 9396 <code>authorization_details</code> of type <code>personal_data_access</code> naming a
              <code>consent_record_id</code> and RFC 8707 <code>resource</code> = the source, for reading a source at its gateway.
            </li>
            <li>Interactive consent: PAR (RFC 9126) with PKCE S256, FAPI 2.0 security profile.</li>
            <li>Introspection (RFC 7662) and revocation (RFC 7009) of your own tokens, with the same client authentication.</li>
            <li>Webhooks: Security Event Tokens (RFC 8417) pushed per RFC 8935 to your registered URL; answer 202.</li>
          </ul>
        </main>
      </body>
    </html>`.value;
}

/** Serves the page at `/docs`, the metadata's `service_documentation`. */
export function registerServiceDocumentation(app: FastifyInstance, issuer: string, mtls: boolean): void {
  const body = serviceDocumentation(issuer, mtls);
  app.get(
    '/docs',
    {
      config: { openapi: { produces: 'text/html', body: { type: 'string' } } },
      schema: { summary: 'Documentation for the developers of services (RFC 8414 service_documentation)', tags: ['metadata'] },
    },
    async (_r, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body),
  );
}
