/**
 * Accounts and the keychain on both dialects: first sign-in creates an account, a second
 * identity with the same national identifier joins it, linking in a session adds one,
 * pairwise subjects differ per service and follow the identity chosen for services.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/operator/accounts/accounts.ts';
import { operatorMigrations, type OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.ts';
import { ProblemError } from '../../src/shared/errors.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

for (const dialect of dialectCases()) {
  describe(`accounts on ${dialect.name}`, () => {
    const stores: Store<OperatorDatabase>[] = [];
    afterAll(async () => {
      for (const s of stores) {
        await s.close();
        await dropLocation(s.location);
      }
    });

    it('keeps a keychain and gives each service its own pairwise subject', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      stores.push(store);
      await migrateToLatest(store, operatorMigrations);
      const accounts = new Accounts(store.db);
      const hetu = { type: 'fi_hetu', value: '140388-9028' };
      const a = await accounts.signIn({ idp: 'suomifi', iss: 'https://idp1', sub: 's1', name: 'Aino', identifier: hetu });
      const same = await accounts.signIn({ idp: 'bank', iss: 'https://idp2', sub: 'b1', identifier: hetu });
      expect(same).toBe(a);
      const linked = await accounts.signIn({ idp: 'other', iss: 'https://idp3', sub: 'x1' }, a);
      expect(linked).toBe(a);
      const chain = await accounts.keychain(a);
      expect(chain.map((k) => [k.iss, k.link_method, k.preferred])).toEqual([
        ['https://idp1', 'first_sign_in', true],
        ['https://idp2', 'same_national_identifier', false],
        ['https://idp3', 'linked_in_session', false],
      ]);
      const p1 = await accounts.pairwiseSubject(a, 'svc-1', 'salt');
      const p2 = await accounts.pairwiseSubject(a, 'svc-2', 'salt');
      expect(p1).not.toBe(p2);
      expect(p1).not.toContain(a);
      await accounts.prefer(a, 'https://idp2', 'b1');
      expect(await accounts.pairwiseSubject(a, 'svc-1', 'salt')).not.toBe(p1);
      await accounts.unlink(a, 'https://idp2', 'b1');
      expect((await accounts.keychain(a)).find((k) => k.preferred)?.iss).toBe('https://idp1');
      // unlinking an identity takes its national identifier with it, unless another identity carries it
      const other = await accounts.signIn(
        { idp: 'other', iss: 'https://idp4', sub: 'm1', identifier: { type: 'fi_hetu', value: '111111-9999' } },
        a,
      );
      expect(other).toBe(a);
      expect((await accounts.identifiers(a)).map((i) => i.identifier)).toContain('111111-9999');
      await accounts.unlink(a, 'https://idp4', 'm1');
      expect((await accounts.identifiers(a)).map((i) => i.identifier)).toEqual(['140388-9028']);
      // an identity of another account cannot be linked here
      const b = await accounts.signIn({
        idp: 'suomifi',
        iss: 'https://idp1',
        sub: 's2',
        identifier: { type: 'fi_hetu', value: '220986-903S' },
      });
      await expect(accounts.signIn({ idp: 'suomifi', iss: 'https://idp1', sub: 's2' }, a)).rejects.toBeInstanceOf(ProblemError);
      await expect(accounts.unlink(b, 'https://idp1', 's2')).rejects.toThrow(/only identity/);
    });

    it('shows one service the identity the citizen chose for it, the others the general one', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      stores.push(store);
      await migrateToLatest(store, operatorMigrations);
      const accounts = new Accounts(store.db);
      const a = await accounts.signIn({
        idp: 'suomifi',
        iss: 'https://idp1',
        sub: 's1',
        identifier: { type: 'fi_hetu', value: '140388-9028' },
      });
      await accounts.signIn({ idp: 'bank', iss: 'https://idp2', sub: 'b1' }, a);
      const [fee1, library1] = [await accounts.pairwiseSubject(a, 'fee', 'salt'), await accounts.pairwiseSubject(a, 'library', 'salt')];
      await accounts.showToService(a, 'library', { iss: 'https://idp2', sub: 'b1' });
      // the library now knows her by her bank identity; the fee service still by the general one
      expect(await accounts.pairwiseSubject(a, 'library', 'salt')).not.toBe(library1);
      expect(await accounts.pairwiseSubject(a, 'fee', 'salt')).toBe(fee1);
      expect(await accounts.serviceChoices(a)).toEqual([{ client_id: 'library', iss: 'https://idp2', sub: 'b1' }]);
      // an identity that is not hers is refused; back to the general one; an unlinked choice falls back too
      const b = await accounts.signIn({
        idp: 'suomifi',
        iss: 'https://idp1',
        sub: 's2',
        identifier: { type: 'fi_hetu', value: '220986-903S' },
      });
      await expect(accounts.showToService(a, 'fee', { iss: 'https://idp1', sub: 's2' })).rejects.toBeInstanceOf(ProblemError);
      expect(b).not.toBe(a);
      await accounts.showToService(a, 'library', null);
      expect(await accounts.pairwiseSubject(a, 'library', 'salt')).toBe(library1);
      await accounts.showToService(a, 'library', { iss: 'https://idp2', sub: 'b1' });
      await accounts.unlink(a, 'https://idp2', 'b1');
      expect(await accounts.pairwiseSubject(a, 'library', 'salt')).toBe(library1);
      expect(await accounts.serviceChoices(a)).toEqual([]);
    });
  });
}
