/**
 * The operator's APIs and pages for services, gateways, citizens and admins, wired to its
 * features (operator.ts composes them).
 */
import { resolve } from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { MemoryReplayCache } from '../shared/oauth/replay-cache.ts';
import { registerLoginRoutes } from './accounts/login.routes.ts';
import { registerArrangementRoutes } from './arrangements/arrangements.routes.ts';
import { registerCitizenApiRoutes } from './citizen/citizen-api.routes.ts';
import { registerDashboardRoutes } from './citizen/dashboard/dashboard.routes.ts';
import { registerDatastoreRoutes } from './datastore/datastore.routes.ts';
import { Insight } from './citizen/insight.ts';
import { registerExportRoutes } from './export/export.routes.ts';
import { registerServiceApiRoutes } from './consent/service-api.routes.ts';
import { registerNotificationRoutes } from './notifications/notifications.routes.ts';
import { registerFeedRoutes } from './feed/feed.routes.ts';
import { ApiAuthenticator } from './oauth/api-auth.ts';
import type { AuthorizationServer } from './oauth/authorization-server.ts';
import { registerInteractionRoutes } from './oauth/interaction.routes.ts';
import { registerMandateRoutes } from './mandates/mandates.routes.ts';
import { registerTokenStatusRoutes } from './token-status/token-status.routes.ts';
import { registerPortabilityRoutes } from './portability/portability.routes.ts';
import { registerRegistrationRoutes } from './registration/registration.routes.ts';
import { registerAdminRoutes } from './registry/admin.routes.ts';
import type { Witness } from './witness/witness.ts';
import { registerWitnessRoutes } from './witness/witness.routes.ts';
import type { Base, Features } from './operator.ts';

/** Everything the routes are wired to. */
export interface Wiring extends Base, Features {
  as: AuthorizationServer;
  witness: Witness;
}

/** The APIs and pages for services, gateways, citizens and admins. */
export async function registerOperatorRoutes(scope: FastifyInstance, w: Wiring): Promise<void> {
  const { config, issuer, db, keys, trust, as, sessions, accounts, registry, consents, citizens, web } = w;
  await scope.register(cookie, { secret: config.cookie_secret });
  await scope.register(formbody);
  const assets = { root: resolve(import.meta.dirname, '../../web/assets'), prefix: '/assets/', maxAge: 3600_000 };
  await scope.register(fastifyStatic, { ...assets, decorateReply: false, cacheControl: true });
  const revoked = (claims: object) => w.revocations.isRevoked(claims);
  const auth = new ApiAuthenticator(issuer, keys.jwks, new MemoryReplayCache(), config.mtls?.public_url, revoked);
  registerFeedRoutes(scope, { db, accessReports: w.accessReports, auth, registry, consents, inGroup: trust.inGroup });
  registerWitnessRoutes(scope, { db, witness: w.witness, auth, accessReports: w.accessReports });
  registerServiceApiRoutes(scope, { auth, consents });
  const mtlsUrl = config.mtls?.public_url.replace(/\/$/, '');
  registerTokenStatusRoutes(scope, { as, registry, consents, revocations: w.revocations, issuer, jwks: keys.jwks, mtlsUrl });
  const rotateKeys = async () => {
    const kid = await keys.rotate();
    return (as.reload(), kid);
  };
  registerAdminRoutes(scope, { db, registry, consents, revocations: w.revocations, adminToken: config.admin_token, rotateKeys });
  registerRegistrationRoutes(scope, { db, registry, issuer, group: trust.governed, adminToken: config.admin_token });
  registerLoginRoutes(scope, { issuer, providers: config.identity_providers, accounts, sessions });
  registerInteractionRoutes(scope, { as, sessions, accounts, consents, registry, web });
  registerCitizenApiRoutes(scope, { sessions, accounts, citizens });
  registerArrangementRoutes(scope, { sessions, arrangements: w.arrangements, registry, web, trustGroup: trust.group });
  const moves = { sessions, portability: w.portability, web, issuer, trust, serviceNames: () => registry.serviceNames() };
  await scope.register(async (inner) => registerPortabilityRoutes(inner, moves));
  const insight = new Insight({ issuer, registry, consents, keys: keys.all });
  const dashboard = { sessions, accounts, citizens, registry, web, insight, witness: w.witness, notifications: w.notes.notifications };
  const movedOut = (id: string) => w.portability.movedOut(id);
  registerDashboardRoutes(scope, { ...dashboard, providers: config.identity_providers, operatorNames: trust.memberNames, movedOut });
  registerDatastoreRoutes(scope, { sessions, accounts, web, pds: w.pds });
  registerMandateRoutes(scope, { db, sessions, accounts, citizens, consents, registry, web });
  registerNotificationRoutes(scope, { sessions, web, notifications: w.notes.notifications, settings: w.notes.settings });
  registerExportRoutes(scope, { sessions, web, exports: w.exports });
}
