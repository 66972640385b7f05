#!/usr/bin/env node
// Entry point of the `portti` CLI. The sources are TypeScript run by Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `portti needs Node.js 24 (this is ${process.version}). Run it through npm (npm start, npx portti …),\n` +
      'which uses the Node 24 installed as a dev dependency.\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
