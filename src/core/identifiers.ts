/**
 * National identifiers, checked by their type before anything is asked of a register: a
 * consent request naming a malformed identifier is the client's mistake (400), never a lookup.
 * The Finnish personal identity code (henkilötunnus, DVV) by its published rule; other types by
 * length and characters only. Pure; no I/O.
 */

const HETU_CONTROL = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/** Century of each century sign; the extra 1900s/2000s signs have been in use since 2023. */
export const CENTURY: Readonly<Record<string, number>> = {
  '+': 1800,
  '-': 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000,
};

const HETU_RE = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/;

/** Control character of a henkilötunnus: the nine digits DDMMYYNNN taken mod 31. */
export function hetuControlChar(nineDigits: string): string {
  if (!/^\d{9}$/.test(nineDigits)) throw new Error('hetuControlChar needs exactly nine digits');
  return HETU_CONTROL.charAt(Number(nineDigits) % 31);
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True for a well-formed henkilötunnus with a real birth date, individual number 002–999 and correct control character. */
export function isValidHetu(code: string): boolean {
  const m = HETU_RE.exec(code);
  if (!m) return false;
  const [, dd, mm, yy, sign, nnn, control] = m as unknown as [string, string, string, string, string, string, string];
  const year = (CENTURY[sign] ?? 0) + Number(yy);
  if (!isRealDate(year, Number(mm), Number(dd))) return false;
  if (Number(nnn) < 2) return false;
  return hetuControlChar(dd + mm + yy + nnn) === control;
}

/** Why an identifier of a type cannot name anyone (in words), or undefined when it can. */
export function identifierProblem(type: string, value: string): string | undefined {
  if (type === 'fi_hetu') {
    return isValidHetu(value)
      ? undefined
      : 'is not a valid Finnish personal identity code (DDMMYY, century sign, individual number, control character)';
  }
  if (value.length === 0 || value.length > 100) return 'must be 1 to 100 characters';
  // printable ASCII without spaces (an eIDAS identifier has slashes: EE/FI/39001010000); where one
  // goes into a source's URL, the gateway refuses what the path cannot carry safely
  if (!/^[\x21-\x7e]+$/.test(value)) return 'may hold only printable characters without spaces';
  return undefined;
}

/** The first subject whose identifier names no one, as `subjects[i].identifier (type) ...`, or undefined. */
export function subjectsProblem(subjects: ReadonlyArray<{ identifier_type: string; identifier: string }>): string | undefined {
  for (const [i, s] of subjects.entries()) {
    const problem = identifierProblem(s.identifier_type, s.identifier);
    if (problem) return `subjects[${i}].identifier (${s.identifier_type}) ${problem}`;
  }
  return undefined;
}
