/** A fresh temporary directory for scripts (the demo keeps its data out of ./data). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'portti-demo-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
