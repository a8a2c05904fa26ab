import { createInterface } from "node:readline";
import { type Readable, Writable } from "node:stream";

/**
 * A password from the person at the terminal (asked twice, not echoed), or else the first
 * line of standard input (`echo "$PW" | natter users add bob`). Never from the arguments,
 * which other users of the machine can read in the process list.
 */
export async function readPassword(
  input: Readable & { isTTY?: boolean } = process.stdin,
  output: Writable = process.stderr,
): Promise<string> {
  if (!input.isTTY) return firstLine(input);
  const first = await ask(input, output, "Password: ");
  const second = await ask(input, output, "Repeat it: ");
  if (first !== second) throw new Error("the passwords differ");
  return first;
}

async function firstLine(input: Readable): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

/** Asks on a terminal with echo off: readline writes nothing of what is typed. */
function ask(input: Readable, output: Writable, question: string): Promise<string> {
  output.write(question);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: silent, terminal: true });
  return new Promise((resolve) => {
    rl.question("", (answer) => {
      rl.close();
      output.write("\n");
      resolve(answer);
    });
  });
}
