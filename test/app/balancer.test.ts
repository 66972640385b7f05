/**
 * The development balancer (`portti start --instances`): an instance that dies in the middle
 * of a streamed answer (a consent feed) cuts the client's connection too, so the client
 * notices at once and reconnects to another instance instead of waiting on a silent stream.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../../src/app/balancer.ts';

describe('the development balancer', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('cuts a streamed answer when its instance dies mid-stream', async () => {
    const instance: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n');
      setTimeout(() => res.socket?.destroy(), 100);
    });
    await new Promise<void>((r) => instance.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => instance.close(() => r())));
    const port = (instance.address() as { port: number }).port;
    const balancer: Balancer = await startBalancer('127.0.0.1', 0, [port]);
    closers.push(() => balancer.close());

    const res = await fetch(`${balancer.url}/feed`);
    expect(res.status).toBe(200);
    const started = performance.now();
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(': hello\n\n');
    // the stream ends (with an error) soon after the instance died, not never
    const ended = await reader.read().then(
      (r) => (r.done ? 'ended' : 'more data'),
      () => 'cut',
    );
    expect(ended).toBe('cut');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
