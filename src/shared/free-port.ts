/**
 * A free loopback port for a server whose URL must be known before it listens (tests, the
 * instance launcher). It is picked below the kernel's ephemeral range, so an outgoing
 * connection of this or another process (which draws from that range) cannot take it between
 * the check and the real `listen`; a random pick keeps concurrent callers apart.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral port range (Linux), or IANA's default elsewhere. */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && low > 12_000) return low;
  } catch {
    // not Linux
  }
  return 49_152;
}

const HIGH = ephemeralStart();
const LOW = HIGH - 10_000;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port found in ${LOW}–${HIGH - 1}`);
}
