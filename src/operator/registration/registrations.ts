/**
 * Self-service onboarding (RFC 7591 dynamic client registration): a service registers at any
 * operator of its trust group with a software statement signed by the group's governance key.
 * The statement's service definition goes into the registry exactly as an admin's would (same
 * checks, same ODRL Agreement); where the rulebook asks for review it waits, `pending`, and gets
 * no tokens until an admin approves it.
 */
import type { Kysely } from 'kysely';
import type { JWK } from 'jose';
import Value from 'typebox/value';
import { ProblemError } from '../../shared/errors.ts';
import { SoftwareStatementError, verifySoftwareStatement } from '../../trust/software-statement.ts';
import type { TrustGroupDocument } from '../../trust/trust-group.ts';
import type { Registry } from '../registry/registry.ts';
import { ServiceSchema, type ServiceDefinition } from '../registry/registry.schema.ts';
import { contradiction, metadataOf, type ClientMetadata } from './client-information.ts';
import {
  decideRegistration,
  insertRegistration,
  registrationRow,
  registrationRows,
  type RegistrationRow,
} from './registration.repository.ts';
import type { RegistrationDatabase } from './registration.tables.ts';

/** RFC 7591 §3.2.2 error codes. */
export type RegistrationErrorCode = 'invalid_software_statement' | 'unapproved_software_statement' | 'invalid_client_metadata';

/** A refused registration, answered as RFC 7591 §3.2.2 says (400, `error`, `error_description`). */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  readonly error: RegistrationErrorCode;

  constructor(error: RegistrationErrorCode, description: string) {
    super(description);
    this.error = error;
  }
}

/** A registration as the admin API lists it. */
export interface RegistrationView {
  client_id: string;
  software_id: string;
  status: string;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
  client_information: ClientMetadata;
}

/** The trust group in force with its governance keys, when there is one. */
export type GroupInForce = () => { doc: TrustGroupDocument; jwks: { keys: JWK[] } } | undefined;

const MAX_STATEMENT = 32_768;

/** Dynamic client registrations of one operator. */
export class Registrations {
  private readonly db: Kysely<RegistrationDatabase>;
  private readonly registry: Registry;
  private readonly issuer: string;
  private readonly group: GroupInForce;

  constructor(o: { db: Kysely<RegistrationDatabase>; registry: Registry; issuer: string; group: GroupInForce }) {
    this.db = o.db;
    this.registry = o.registry;
    this.issuer = o.issuer;
    this.group = o.group;
  }

  /** Registers the service a software statement names; answers the client information (RFC 7591 §3.2.1). */
  async register(request: unknown, now = Date.now()): Promise<ClientMetadata> {
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      throw new RegistrationError('invalid_client_metadata', 'the registration request must be a JSON object');
    const body = request as Record<string, unknown>;
    const statement = body.software_statement;
    if (typeof statement !== 'string' || statement.length === 0 || statement.length > MAX_STATEMENT)
      throw new RegistrationError('invalid_software_statement', 'a software statement signed by the trust group is required');
    const group = this.group();
    if (!group) throw new RegistrationError('unapproved_software_statement', 'this operator has no trust group in force');
    if (!group.doc.members.some((m) => m.issuer === this.issuer))
      throw new RegistrationError('unapproved_software_statement', 'this operator is not a member of the trust group');
    const service = await this.statementService(statement, group, now);
    const registered = metadataOf(service);
    const wrong = contradiction(body, registered);
    if (wrong) throw new RegistrationError('invalid_client_metadata', wrong);
    if ((await this.registry.service(service.client_id)) || (await registrationRow(this.db, service.client_id)))
      throw new RegistrationError('invalid_client_metadata', `client ${service.client_id} is registered already`);
    const review = group.doc.rulebook.registration_review === 'required';
    try {
      await this.registry.putService(service, now, review ? 'pending' : 'active');
    } catch (err) {
      if (err instanceof ProblemError && err.status === 400) throw new RegistrationError('invalid_software_statement', err.message);
      throw err;
    }
    const information = {
      client_id: service.client_id,
      client_id_issued_at: Math.floor(now / 1000),
      ...registered,
      software_statement: statement,
      registration_status: review ? 'pending' : 'approved',
    };
    await insertRegistration(this.db, {
      ...{ client_id: service.client_id, software_id: service.client_id, status: review ? 'pending' : 'approved' },
      ...{
        software_statement: statement,
        client_information: JSON.stringify(information),
        reason: null,
        created_at: now,
        decided_at: null,
      },
    });
    return information;
  }

  /** The statement verified and its service definition checked against the registry schema. */
  private async statementService(statement: string, group: NonNullable<ReturnType<GroupInForce>>, now: number) {
    let claims;
    try {
      claims = await verifySoftwareStatement(statement, { groupId: group.doc.group_id, jwks: group.jwks }, now);
    } catch (err) {
      if (err instanceof SoftwareStatementError) throw new RegistrationError('invalid_software_statement', err.message);
      throw err;
    }
    const definition = Value.Default(ServiceSchema, Value.Clone({ ...claims.service, client_id: claims.software_id }));
    const errors = [...Value.Errors(ServiceSchema, definition)].filter((e) => e.keyword !== 'boolean');
    if (errors.length > 0)
      throw new RegistrationError('invalid_software_statement', `service ${errors[0]!.instancePath || '/'} ${errors[0]!.message}`);
    const service = definition as ServiceDefinition;
    if (!service.jwks) throw new RegistrationError('invalid_software_statement', 'the statement must carry the service keys (jwks)');
    return service;
  }

  /** Registrations for the admin API, newest first (`status` filters). */
  async list(status?: string): Promise<RegistrationView[]> {
    return (await registrationRows(this.db, status)).map(view);
  }

  /** Approves a pending registration: the service becomes an active client. 404 unknown, 409 decided already. */
  async approve(clientId: string, now = Date.now()): Promise<RegistrationView> {
    await this.decide(clientId, 'approved', null, now);
    await this.registry.setStatus(clientId, 'active', now);
    return view((await registrationRow(this.db, clientId))!);
  }

  /** Refuses a pending registration: the service stays without tokens. 404 unknown, 409 decided already. */
  async refuse(clientId: string, reason: string, now = Date.now()): Promise<RegistrationView> {
    await this.decide(clientId, 'refused', reason, now);
    await this.registry.setStatus(clientId, 'refused', now);
    return view((await registrationRow(this.db, clientId))!);
  }

  private async decide(clientId: string, status: string, reason: string | null, now: number): Promise<void> {
    if (await decideRegistration(this.db, clientId, status, reason, now)) return;
    const row = await registrationRow(this.db, clientId);
    if (!row) throw new ProblemError(404, 'not_found', `no registration ${clientId}`);
    throw new ProblemError(409, 'conflict', `registration ${clientId} is ${row.status} already`);
  }
}

/** A row as the admin API shows it. */
function view(r: RegistrationRow): RegistrationView {
  return {
    ...{ client_id: r.client_id, software_id: r.software_id, status: r.status, reason: r.reason },
    created_at: new Date(r.created_at).toISOString(),
    decided_at: r.decided_at === null ? null : new Date(r.decided_at).toISOString(),
    client_information: JSON.parse(r.client_information) as ClientMetadata,
  };
}
