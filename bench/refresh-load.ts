/**
 * A load generator for token refreshes (autocannon cannot rotate a token per request): each
 * virtual client owns one session and always presents the refresh token it got last, so every
 * request is a real rotation. Runs in its own process; prints {"requests","seconds","rps"}.
 * Usage: node refresh-load.js <url> <seconds> < tokens.json (one refresh token per client).
 */
import { readFileSync } from 'node:fs';
import { postJsonFast } from './http-client';

async function main(): Promise<void> {
  const [url, secondsArg] = process.argv.slice(2);
  const tokens = JSON.parse(readFileSync(0, 'utf8')) as string[];
  const deadline = Date.now() + Number(secondsArg) * 1000;
  let requests = 0;
  let errors = 0;
  const started = Date.now();
  await Promise.all(
    tokens.map(async (initial) => {
      let token = initial;
      while (Date.now() < deadline) {
        const res = await postJsonFast(url, { refresh_token: token });
        const body = JSON.parse(res.body) as { refresh_token?: string };
        if (res.status !== 200 || !body.refresh_token) {
          errors += 1;
          return;
        }
        token = body.refresh_token;
        requests += 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requests, errors, seconds, rps: requests / seconds })}\n`);
}

main().then(() => process.exit(0));
