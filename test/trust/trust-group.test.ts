/**
 * The trust-group document: signed by the governance key, verified with its JWKS; forged,
 * tampered, expired and inconsistent documents are refused; the CLI signs, verifies, shows.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  admittedTo,
  generateGovernanceKey,
  importGovernanceKey,
  signTrustGroup,
  TrustGroupError,
  verifyTrustGroup,
  type TrustGroupDocument,
} from '../../src/trust/trust-group.ts';
import { tempDir } from '../helpers/stores.ts';

const doc = (over: Partial<TrustGroupDocument> = {}): TrustGroupDocument => ({
  group_id: 'urn:portti:trust-group:fi-cities',
  name: 'Finnish cities MyData group',
  rulebook: { version: '1.0', url: 'https://example.org/rulebook/1.0' },
  members: [
    { issuer: 'https://operator-a.example', name: 'Helsinki' },
    { issuer: 'https://operator-b.example', name: 'Espoo' },
  ],
  sources: [
    { resource: 'https://gw.example/sources/incomes-register', admitted: ['https://operator-a.example', 'https://operator-b.example'] },
  ],
  issued_at: new Date(Date.now() - 1000).toISOString(),
  expires_at: new Date(Date.now() + 3600_000).toISOString(),
  ...over,
});

describe('trust-group document', () => {
  it('verifies what the governance key signed and says who is admitted', async () => {
    const gov = await generateGovernanceKey('gov-1');
    const jws = await signTrustGroup(doc(), await importGovernanceKey(gov.privateJwk));
    const verified = await verifyTrustGroup(jws, gov.jwks);
    expect([...admittedTo(verified, 'https://gw.example/sources/incomes-register')]).toEqual([
      'https://operator-a.example',
      'https://operator-b.example',
    ]);
    expect(admittedTo(verified, 'https://gw.example/sources/other').size).toBe(0);
  });

  it('refuses a forged, tampered, expired or inconsistent document', async () => {
    const gov = await generateGovernanceKey('gov-1');
    const other = await generateGovernanceKey('gov-1');
    const forged = await signTrustGroup(doc(), await importGovernanceKey(other.privateJwk));
    await expect(verifyTrustGroup(forged, gov.jwks)).rejects.toThrow(/signature does not verify/);
    const good = await signTrustGroup(doc(), await importGovernanceKey(gov.privateJwk));
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as TrustGroupDocument;
    payload.sources[0]!.admitted.push('https://rogue.example');
    await expect(
      verifyTrustGroup(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`, gov.jwks),
    ).rejects.toBeInstanceOf(TrustGroupError);
    const expired = await signTrustGroup(
      doc({ expires_at: new Date(Date.now() - 1000).toISOString() }),
      await importGovernanceKey(gov.privateJwk),
    );
    await expect(verifyTrustGroup(expired, gov.jwks)).rejects.toThrow(/expired/);
    await expect(
      signTrustGroup(
        doc({ sources: [{ resource: 'https://gw.example/sources/x', admitted: ['https://not-a-member.example'] }] }),
        await importGovernanceKey(gov.privateJwk),
      ),
    ).rejects.toThrow(/not a member/);
  });

  it('portti trust-group keygen, sign, verify and show', () => {
    const dir = tempDir();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/portti.js', 'trust-group', ...args], { encoding: 'utf8', cwd: process.cwd() });
    expect(run('keygen', '--out', join(dir, 'gov')).status).toBe(0);
    writeFileSync(join(dir, 'group.json'), JSON.stringify(doc()));
    expect(
      run('sign', '--in', join(dir, 'group.json'), '--key', join(dir, 'gov.private.jwk.json'), '--out', join(dir, 'group.jws')).status,
    ).toBe(0);
    const ok = run('verify', '--in', join(dir, 'group.jws'), '--jwks', join(dir, 'gov.jwks.json'));
    expect(ok.stdout).toContain('VALID: Finnish cities MyData group');
    expect(ok.status).toBe(0);
    expect(run('show', '--in', join(dir, 'group.jws')).stdout).toContain('"group_id": "urn:portti:trust-group:fi-cities"');
    const jws = readFileSync(join(dir, 'group.jws'), 'utf8').trim();
    writeFileSync(join(dir, 'bad.jws'), `${jws.slice(0, -3)}${jws.endsWith('A') ? 'B' : 'A'}AA`);
    const bad = run('verify', '--in', join(dir, 'bad.jws'), '--jwks', join(dir, 'gov.jwks.json'));
    expect(bad.stdout).toContain('INVALID');
    expect(bad.status).toBe(1);
    expect(run('sign', '--in', join(dir, 'missing.json'), '--key', 'x', '--out', 'y').status).toBe(2);
  });
});
