/**
 * A small ODRL 2.2 constraint evaluator for the policies Portti writes: permission
 * arrangements (`Set`) checked against a service's consent request. It knows the left
 * operands `purpose` (with `isA` over the DPV taxonomy), `dateTime`, `recipient`,
 * `portti:serviceKind` and `portti:trustGroup`, the ODRL comparison and set operators, and
 * the logical constraints `and`, `or`, `xone`. Anything it does not know is not satisfied:
 * an unknown operand or operator never widens a permission (fail closed).
 */
import { purposeIsA } from './dpv.ts';

/** What is known about a request when a policy is evaluated. */
export interface EvaluationContext {
  /** The request's purpose (DPV IRI). */
  purpose: string;
  /** The requesting service's client id. */
  recipient: string;
  /** The service's kind in the registry. */
  serviceKind: string;
  /** Trust groups (`group_id`) every source of the request belongs to. */
  trustGroups: string[];
  now: number;
}

export interface Constraint {
  leftOperand?: string;
  operator?: string;
  rightOperand?: unknown;
  and?: Constraint[];
  or?: Constraint[];
  xone?: Constraint[];
}

const ODRL = 'http://www.w3.org/ns/odrl/2/';
const strip = (term: string | undefined) => (term ?? '').replace(ODRL, '').replace(/^odrl:/, '');

/** A right operand's plain values: `{ '@id' }` and `{ '@value' }` objects unwrapped, arrays flattened. */
function values(right: unknown): string[] {
  const list = Array.isArray(right) ? right : [right];
  return list.flatMap((v) => {
    if (typeof v === 'string' || typeof v === 'number') return [String(v)];
    if (v && typeof v === 'object' && '@id' in v) return [String((v as { '@id': unknown })['@id'])];
    if (v && typeof v === 'object' && '@value' in v) return [String((v as { '@value': unknown })['@value'])];
    return [];
  });
}

function compareTimes(left: number, right: string, operator: string): boolean {
  const r = Date.parse(right);
  if (!Number.isFinite(r)) return false;
  switch (operator) {
    case 'lt':
      return left < r;
    case 'lteq':
      return left <= r;
    case 'gt':
      return left > r;
    case 'gteq':
      return left >= r;
    case 'eq':
      return left === r;
    case 'neq':
      return left !== r;
    default:
      return false;
  }
}

/** The left operand's values in this context, or undefined for an operand this evaluator does not know. */
function operand(left: string, ctx: EvaluationContext): string[] | undefined {
  switch (left) {
    case 'purpose':
      return [ctx.purpose];
    case 'recipient':
      return [ctx.recipient];
    case 'portti:serviceKind':
    case 'https://portti.dev/ns#serviceKind':
      return [ctx.serviceKind];
    case 'portti:trustGroup':
    case 'https://portti.dev/ns#trustGroup':
      return ctx.trustGroups;
    default:
      return undefined;
  }
}

/** True when the constraint is satisfied in the context. */
export function satisfied(constraint: Constraint, ctx: EvaluationContext): boolean {
  if (constraint.and) return constraint.and.length > 0 && constraint.and.every((c) => satisfied(c, ctx));
  if (constraint.or) return constraint.or.some((c) => satisfied(c, ctx));
  if (constraint.xone) return constraint.xone.filter((c) => satisfied(c, ctx)).length === 1;
  const left = strip(constraint.leftOperand);
  const op = strip(constraint.operator);
  const right = values(constraint.rightOperand);
  if (right.length === 0) return false;
  if (left === 'dateTime') return right.length === 1 && compareTimes(ctx.now, right[0]!, op);
  const actual = operand(left, ctx);
  if (actual === undefined) return false;
  switch (op) {
    case 'eq':
      return right.length === 1 && actual.includes(right[0]!);
    case 'neq':
      return right.length === 1 && !actual.includes(right[0]!);
    case 'isA':
      return left === 'purpose' && right.length === 1 && actual.some((a) => purposeIsA(a, right[0]!));
    case 'isAnyOf':
      return actual.some((a) => right.includes(a));
    case 'isAllOf':
      return right.every((r) => actual.includes(r));
    case 'isNoneOf':
      return !actual.some((a) => right.includes(a));
    default:
      return false;
  }
}

/** A `permission` of a policy as far as the evaluator reads it. */
export interface Permission {
  action?: unknown;
  target?: { refinement?: Constraint[] } | string;
  constraint?: Constraint[];
}

/**
 * What a policy permits for a request: the attribute keys (`<resource>#<id>`) of every
 * permission whose action is `read` and whose constraints all hold. Empty when none applies.
 */
export function permittedAttributes(policy: { permission?: Permission[] }, ctx: EvaluationContext): Set<string> {
  const permitted = new Set<string>();
  for (const p of policy.permission ?? []) {
    if (strip(typeof p.action === 'string' ? p.action : undefined) !== 'read') continue;
    if (!(p.constraint ?? []).every((c) => satisfied(c, ctx))) continue;
    const target = typeof p.target === 'object' ? p.target : undefined;
    for (const r of target?.refinement ?? []) {
      if (strip(r.leftOperand) === 'portti:attribute' && strip(r.operator) === 'isAnyOf')
        for (const v of values(r.rightOperand)) permitted.add(v);
    }
  }
  return permitted;
}

/**
 * Whether a standing policy decides a request: every required attribute must be permitted
 * (and at least one attribute); the optional attributes it permits are chosen.
 */
export function arrangementDecision(
  policy: { permission?: Permission[] },
  ctx: EvaluationContext,
  request: { required: string[]; optional: string[] },
): { applies: true; choices: string[] } | { applies: false } {
  const permitted = permittedAttributes(policy, ctx);
  if (permitted.size === 0 || !request.required.every((a) => permitted.has(a))) return { applies: false };
  const choices = request.optional.filter((a) => permitted.has(a));
  if (request.required.length === 0 && choices.length === 0) return { applies: false };
  return { applies: true, choices };
}
