// A TCP server that takes every connection and never says a word: a frozen host, or a network
// that drops every packet after the handshake. Closed, with its connections, when the test ends.
import type { TestContext } from 'node:test';
import { createServer, type Socket } from 'node:net';

export async function silentServer(t: TestContext): Promise<{ port: number; connections(): number }> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  return { port: (silent.address() as { port: number }).port, connections: () => sockets.length };
}
