/**
 * A free loopback port for a server whose URL must be known before it listens (tests, the
 * instance launcher). It is picked below the kernel's ephemeral range, so an outgoing
 * connection of this or another process (which draws from that range) cannot take it between
 * the check and the real `listen`. Concurrent callers (test workers, the instance launcher's
 * children) are kept apart by a reservation: a port handed out is marked by an exclusively
 * created file under the system's temporary directory and is not handed out again, by this or
 * any other process, for ten minutes.
 */
import { mkdirSync, openSync, closeSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

const RESERVATIONS = join(tmpdir(), 'portti-ports');
const RESERVED_FOR_MS = 10 * 60_000;

/** Reserves `port` for this caller unless another reserved it in the last ten minutes. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(RESERVATIONS, { recursive: true });
      return reserve(port);
    }
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true; // no reservations possible here: the listen check alone
    try {
      if (Date.now() - statSync(file).mtimeMs < RESERVED_FOR_MS) return false;
      utimesSync(file, new Date(), new Date()); // an old reservation: taken over
      return true;
    } catch {
      return false;
    }
  }
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (reserve(port) && (await tryListen(port))) return port;
  }
  throw new Error(`no free port found in ${LOW}–${HIGH - 1}`);
}
