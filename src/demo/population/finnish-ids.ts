/**
 * Finnish identifiers used by the demo registers: the personal identity code
 * (henkilötunnus, DVV), the business id (Y-tunnus, PRH/Vero) and Finnish IBANs.
 * Pure functions; every checksum follows the published rule. The personal identity code's own
 * rules are in core/identifiers.ts (the operator checks identifiers with them too).
 */
import { CENTURY, hetuControlChar, isValidHetu } from '../../core/identifiers.ts';

export { hetuControlChar, isValidHetu };

/** Builds a henkilötunnus from an ISO birth date (1900–2099) and an individual number (2–999). */
export function makeHetu(birthDate: string, individualNumber: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) throw new Error(`not an ISO date: ${birthDate}`);
  const year = Number(m[1]);
  if (year < 1900 || year > 2099) throw new Error('makeHetu supports birth years 1900–2099');
  if (!Number.isInteger(individualNumber) || individualNumber < 2 || individualNumber > 999) {
    throw new Error('individual number must be 2–999');
  }
  const dd = m[3] as string;
  const mm = m[2] as string;
  const yy = String(year % 100).padStart(2, '0');
  const nnn = String(individualNumber).padStart(3, '0');
  return `${dd}${mm}${yy}${year < 2000 ? '-' : 'A'}${nnn}${hetuControlChar(dd + mm + yy + nnn)}`;
}

/** ISO birth date encoded in a valid henkilötunnus. */
export function hetuBirthDate(code: string): string {
  if (!isValidHetu(code)) throw new Error('invalid personal identity code');
  const year = (CENTURY[code.charAt(6)] ?? 0) + Number(code.slice(4, 6));
  return `${year}-${code.slice(2, 4)}-${code.slice(0, 2)}`;
}

/** Sex encoded in a henkilötunnus: odd individual number is male, even female. */
export function hetuSex(code: string): 'male' | 'female' {
  return Number(code.slice(7, 10)) % 2 === 1 ? 'male' : 'female';
}

const BUSINESS_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2];

/** Check digit of a Y-tunnus for seven digits, or null when the remainder is 1 (such numbers are never issued). */
export function businessIdCheckDigit(sevenDigits: string): number | null {
  if (!/^\d{7}$/.test(sevenDigits)) throw new Error('businessIdCheckDigit needs exactly seven digits');
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Number(sevenDigits.charAt(i)) * (BUSINESS_ID_WEIGHTS[i] ?? 0);
  const r = sum % 11;
  if (r === 0) return 0;
  if (r === 1) return null;
  return 11 - r;
}

/** True for a Y-tunnus `NNNNNNN-C` with a correct check digit. */
export function isValidBusinessId(id: string): boolean {
  const m = /^(\d{7})-(\d)$/.exec(id);
  if (!m) return false;
  return businessIdCheckDigit(m[1] as string) === Number(m[2]);
}

/** The first valid Y-tunnus at or after the seven-digit number `base` (skipping remainder-1 numbers). */
export function makeBusinessId(base: number): string {
  for (let n = base; n < 10_000_000; n++) {
    const digits = String(n).padStart(7, '0');
    const check = businessIdCheckDigit(digits);
    if (check !== null) return `${digits}-${check}`;
  }
  throw new Error('no business id at or after base');
}

/** Luhn (mod 10, weights 2,1 from the right) check digit, as used by Finnish account numbers. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits.charAt(digits.length - 1 - i));
    const p = i % 2 === 0 ? d * 2 : d;
    sum += p > 9 ? p - 9 : p;
  }
  return (10 - (sum % 10)) % 10;
}

/** Remainder mod 97 of an IBAN-style alphanumeric string (letters count as 10–35), computed piecewise. */
function mod97(text: string): number {
  let r = 0;
  for (const ch of text) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

/** The two ISO 13616 check digits for a country code and BBAN. */
export function ibanCheckDigits(country: string, bban: string): string {
  return String(98 - mod97(`${bban}${country}00`)).padStart(2, '0');
}

/** Finnish IBAN from the first 13 digits of the account number (bank group prefix first); the 14th is the Luhn digit. */
export function makeFinnishIban(thirteenDigits: string): string {
  if (!/^\d{13}$/.test(thirteenDigits)) throw new Error('makeFinnishIban needs exactly thirteen digits');
  const bban = thirteenDigits + String(luhnCheckDigit(thirteenDigits));
  return `FI${ibanCheckDigits('FI', bban)}${bban}`;
}

/** True for an IBAN whose mod-97 check holds; for FI, also the 18-character length and the BBAN's Luhn digit. */
export function isValidIban(iban: string): boolean {
  const compact = iban.replaceAll(' ', '');
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  if (mod97(compact.slice(4) + compact.slice(0, 4)) !== 1) return false;
  if (compact.startsWith('FI')) {
    if (!/^FI\d{16}$/.test(compact)) return false;
    return luhnCheckDigit(compact.slice(4, 17)) === Number(compact.charAt(17));
  }
  return true;
}
