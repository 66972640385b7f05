import { describe, it, expect } from 'vitest';
import { decideRelease } from '../../src/core/release-decision.ts';

const operation = ['name', 'address', 'income', 'employer'];

describe('decideRelease', () => {
  describe('no token narrowing, nothing requested', () => {
    it('releases the operation attributes the consent covers, in operation order', () => {
      expect(decideRelease({ operation, consented: ['employer', 'name', 'unrelated'] })).toEqual({
        ok: true,
        released: ['name', 'employer'],
      });
    });

    it('releases every operation attribute when all are consented', () => {
      expect(decideRelease({ operation, consented: [...operation] })).toEqual({ ok: true, released: operation });
    });

    it('treats an empty requested list like no request', () => {
      expect(decideRelease({ operation, consented: ['address'], requested: [] })).toEqual({ ok: true, released: ['address'] });
    });

    it('refuses when none of the operation attributes is consented, listing them all', () => {
      const d = decideRelease({ operation, consented: ['other'] });
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.missing).toEqual(operation);
      expect(d.detail).toBe("none of this operation's attributes is covered by the consent (name, address, income, employer)");
    });

    it('refuses when nothing is consented at all', () => {
      const d = decideRelease({ operation: ['name'], consented: [] });
      expect(d).toEqual({
        ok: false,
        missing: ['name'],
        detail: "none of this operation's attributes is covered by the consent (name)",
      });
    });
  });

  describe('token narrowing', () => {
    it('refuses a token that claims attributes beyond the consent, naming them', () => {
      const d = decideRelease({ operation, consented: ['name'], token: ['name', 'income', 'employer'] });
      expect(d).toEqual({
        ok: false,
        missing: ['income', 'employer'],
        detail: 'token asks for attributes not covered by the consent: income, employer',
      });
    });

    it('refuses a token beyond the consent even when the client requests only covered attributes', () => {
      const d = decideRelease({ operation, consented: ['name'], token: ['name', 'income'], requested: ['name'] });
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.missing).toEqual(['income']);
      expect(d.detail).toContain('token asks for attributes not covered by the consent');
    });

    it('releases the intersection of operation, consent and token', () => {
      expect(
        decideRelease({ operation, consented: ['name', 'address', 'income', 'other'], token: ['address', 'income', 'other'] }),
      ).toEqual({ ok: true, released: ['address', 'income'] });
    });

    it('a token narrower than the consent limits what is released', () => {
      expect(decideRelease({ operation, consented: operation, token: ['employer'] })).toEqual({ ok: true, released: ['employer'] });
    });

    it('an empty token grants nothing', () => {
      const d = decideRelease({ operation, consented: operation, token: [] });
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.missing).toEqual(operation);
    });

    it('refuses when the token and consent do not overlap the operation', () => {
      const d = decideRelease({ operation: ['name'], consented: ['income'], token: ['income'] });
      expect(d).toEqual({
        ok: false,
        missing: ['name'],
        detail: "none of this operation's attributes is covered by the consent (name)",
      });
    });
  });

  describe('explicitly requested attributes', () => {
    it('releases exactly a requested subset that is consented', () => {
      expect(decideRelease({ operation, consented: operation, requested: ['income', 'name'] })).toEqual({
        ok: true,
        released: ['income', 'name'],
      });
    });

    it('releases a requested subset within the token', () => {
      expect(decideRelease({ operation, consented: operation, token: ['name', 'income'], requested: ['income'] })).toEqual({
        ok: true,
        released: ['income'],
      });
    });

    it('refuses a requested attribute the operation does not have, naming it', () => {
      const d = decideRelease({ operation, consented: operation, requested: ['name', 'shoe_size', 'iban'] });
      expect(d).toEqual({ ok: false, missing: ['shoe_size', 'iban'], detail: 'this operation has no attributes: shoe_size, iban' });
    });

    it('reports an unknown attribute before a non-consented one', () => {
      const d = decideRelease({ operation, consented: ['name'], requested: ['income', 'shoe_size'] });
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.missing).toEqual(['shoe_size']);
      expect(d.detail).toBe('this operation has no attributes: shoe_size');
    });

    it('refuses a requested attribute that is not consented, naming it', () => {
      const d = decideRelease({ operation, consented: ['name', 'address'], requested: ['name', 'income'] });
      expect(d).toEqual({ ok: false, missing: ['income'], detail: 'attributes not covered by the consent: income' });
    });

    it('refuses a requested attribute that is consented but not granted by the token', () => {
      const d = decideRelease({ operation, consented: operation, token: ['name'], requested: ['name', 'address'] });
      expect(d).toEqual({ ok: false, missing: ['address'], detail: 'attributes not covered by the consent: address' });
    });

    it('refuses any request when nothing is consented', () => {
      const d = decideRelease({ operation, consented: [], requested: ['name'] });
      expect(d).toEqual({ ok: false, missing: ['name'], detail: 'attributes not covered by the consent: name' });
    });
  });

  it('never releases more than the live consent (exhaustive over small inputs)', () => {
    const universe = ['a', 'b', 'c'];
    const subsets = (xs: string[]): string[][] => xs.reduce<string[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);
    const all = subsets(universe);
    for (const op of all.filter((s) => s.length > 0))
      for (const consented of all)
        for (const token of [undefined, ...all])
          for (const requested of [undefined, ...all]) {
            const d = decideRelease({ operation: op, consented, token, requested });
            if (!d.ok) {
              expect(d.missing.length).toBeGreaterThan(0);
              continue;
            }
            expect(d.released.length).toBeGreaterThan(0);
            for (const a of d.released) {
              expect(op).toContain(a);
              expect(consented).toContain(a);
              if (token) expect(token).toContain(a);
              if (requested && requested.length > 0) expect(requested).toContain(a);
            }
          }
  });
});
