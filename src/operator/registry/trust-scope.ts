/**
 * The operator's trust group, when configured: it bounds the sources this operator issues
 * tokens and feeds for, names the groups a standing rule may refer to, and lists the peer
 * operators a citizen may move to. Without a trust group every registered source is in scope.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { OperatorConfig } from '../../shared/config.schema.ts';
import { TrustGroupLoader } from '../../trust/trust-group-loader.ts';

/** A name in the dashboard's languages. */
type Names = { fi: string; sv: string; en: string };

/** A group's or member's display names, or its one name in every language. */
const names = (x: { name: string; display_name?: Names | undefined }): Names => x.display_name ?? { fi: x.name, sv: x.name, en: x.name };

/** The trust group, when configured: it bounds the sources this operator issues tokens and feeds for. */
export async function trustScope(config: OperatorConfig, issuer: string, log: FastifyBaseLogger) {
  const loader = config.trust_group ? new TrustGroupLoader(config.trust_group, log) : undefined;
  await loader?.reload();
  return {
    loader,
    current: () => loader?.current,
    inGroup: (resource: string) => !loader || loader.admits(issuer, resource),
    groupsFor: (resources: string[]) =>
      loader?.current && resources.length > 0 && resources.every((r) => loader.admits(issuer, r)) ? [loader.current.group_id] : [],
    /** The other members, offered as move targets, with their display names. */
    peers: () => (loader?.current?.members ?? []).filter((m) => m.issuer !== issuer).map((m) => ({ issuer: m.issuer, name: names(m) })),
    /** Every member's display names by issuer (moves name the operator on the other side). */
    memberNames: (): Record<string, Names> => Object.fromEntries((loader?.current?.members ?? []).map((m) => [m.issuer, names(m)])),
    /** The group in force with the governance keys it verified with (they sign software statements too). */
    governed: () => (loader?.current && loader.governance ? { doc: loader.current, jwks: loader.governance } : undefined),
    /** The group in force: its id and display names. */
    group: () => (loader?.current ? { id: loader.current.group_id, name: names(loader.current) } : undefined),
  };
}

/** The trust group as this operator applies it. */
export type TrustScope = Awaited<ReturnType<typeof trustScope>>;
