import net, { type AddressInfo } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the listener is closed at once). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
