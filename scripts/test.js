#!/usr/bin/env node
// `npm test`: type check, lint, format check, then every test (unit, integration, browser) with vitest.
// Ends with the plain line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const bin = (name) => `node_modules/.bin/${name}`;
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

let failedSteps = 0;
console.log('› type check (tsc --noEmit)');
if (run(bin('tsc'), ['-p', '.']) !== 0) failedSteps += 1;
console.log('› lint (eslint)');
if (run(bin('eslint'), ['--max-warnings=0', '.']) !== 0) failedSteps += 1;
console.log('› format (prettier --check)');
if (run(bin('prettier'), ['--check', '--log-level=warn', '.']) !== 0) failedSteps += 1;

const report = '.vitest-results.json';
rmSync(report, { force: true });
console.log('› tests (vitest)');
const extra = process.argv.slice(2);
run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  skipped = results.numPendingTests + (results.numTodoTests ?? 0);
  // a file that failed outside its tests (failed to load, or a beforeAll/afterAll hook threw and
  // its tests were skipped) has no failed test of its own but must fail the run
  failed += results.testResults.filter((r) => r.status === 'failed' && !r.assertionResults.some((a) => a.status === 'failed')).length;
} catch {
  failed += 1;
}
failed += failedSteps;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
