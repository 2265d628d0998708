/**
 * A load generator for signups, each with a new address (autocannon's id replacement sends
 * a body whose length no longer matches its Content-Length). Runs in its own process; prints
 * {"requests","failures","seconds","rps"}.
 * Usage: node signup-load.js <url> <seconds> <connections> <tenant slug> <label>
 */
import { postJsonFast } from './http-client';

async function main(): Promise<void> {
  const [url, secondsArg, connectionsArg, tenant, label] = process.argv.slice(2);
  const deadline = Date.now() + Number(secondsArg) * 1000;
  let requests = 0;
  let failures = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: Number(connectionsArg) }, async () => {
      while (Date.now() < deadline) {
        const n = (next += 1);
        const res = await postJsonFast(url, { company_name: `Bench ${label} ${n}`, email: `signup-${label}-${n}@example.com`, tenant_slug: tenant });
        if (res.status === 200) requests += 1;
        else failures += 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requests, failures, seconds, rps: requests / seconds })}\n`);
}

main().then(() => process.exit(0));
