import http from 'node:http';

/**
 * A lean HTTP client for the load generators: node:http with keep-alive sockets. (fetch costs
 * several times more CPU per request, and on two shared cores the client's CPU is the server's.)
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function postJsonFast(url: string, payload: unknown): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const data = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(data);
  });
}
