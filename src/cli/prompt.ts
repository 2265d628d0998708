import readline from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, UsageError, type Io } from './command';

/** One line of stdin, without its line ending (`--password-stdin`). */
export async function readLine(stdin: Io['stdin']): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].replace(/\r$/, '');
}

/**
 * Asks on the terminal without echoing what is typed: readline reads the line, and its output
 * (the echo of every key) goes to a stream that drops it; only the question and the final
 * newline reach stderr (stdout stays for the result, `--json` included).
 */
export function askHidden(io: Io, question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) io.err(chunk.toString());
      done();
    },
  });
  const rl = readline.createInterface({ input: io.stdin, output, terminal: true });
  io.err(question);
  muted = true;
  return new Promise((resolve, reject) => {
    let answered = false;
    let interrupted = false;
    rl.on('line', (line) => {
      answered = true;
      muted = false;
      io.err('\n');
      rl.close();
      resolve(line);
    });
    rl.on('SIGINT', () => {
      interrupted = true;
      muted = false;
      io.err('\n');
      rl.close();
    });
    rl.on('close', () => {
      if (!answered) reject(new CliError(interrupted ? 'cancelled; nothing was created' : 'no password entered; nothing was created'));
    });
  });
}

/**
 * The password for a new account, never from the command line (where `ps` and the shell's
 * history would show it): `--password-stdin` reads one line of stdin; otherwise, on a
 * terminal, it is asked twice without echo.
 */
export async function readNewPassword(io: Io, fromStdin: boolean, forWhom: string): Promise<string> {
  if (fromStdin) {
    const password = await readLine(io.stdin);
    if (password === '') throw new CliError('--password-stdin: stdin had no password (an empty first line)');
    return password;
  }
  if (!io.stdin.isTTY) {
    throw new UsageError('no password: stdin is not a terminal to ask on; pipe it in with --password-stdin');
  }
  const password = await askHidden(io, `Password for ${forWhom}: `);
  const again = await askHidden(io, 'Repeat it: ');
  if (password !== again) throw new CliError('the two passwords differ; nothing was created');
  return password;
}
