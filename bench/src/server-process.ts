/**
 * Servers and clients under test, each in a child process of the bench, so one's event loop
 * and CPU are never another's. A child is this bench's own module forked with a role
 * argument; it answers `cpu` (its `process.cpuUsage()`), `mark`, `stats` and `stop` over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

type ToChild =
  | { type: "cpu" }
  | { type: "mark"; label: string }
  | { type: "stats" }
  | { type: "stop" }
  | { type: "command"; command: unknown };
type FromChild =
  | { type: "ready"; info: unknown }
  | { type: "cpu"; micros: number }
  | { type: "marked" }
  | { type: "stats"; stats: unknown }
  | { type: "answer"; answer: unknown };

export interface ChildHandlers {
  /** What `ChildProcess.stats()` answers. */
  stats?: () => unknown;
  /** Answers a command of the parent's. */
  command?: (command: any) => Promise<unknown> | unknown;
  stop: () => Promise<void>;
}

/**
 * A moment of a child's run, labelled by the parent (`BenchChild.mark`): `at` is in µs on the
 * monotonic clock of V8's CPU profiles' sample times, so that a profile's samples can be kept
 * to the parent's measured windows (`cpu-profile-summary.ts --marks`).
 */
export interface Mark {
  label: string;
  at: number;
}

/**
 * In a child: announces `info` (such as its URL) and serves the parent's requests. With
 * BENCH_MARKS_DIR set, the marks it was asked for are written there on `stop`, as
 * `marks.<pid>.json` (the pid in `--cpu-prof`'s file names).
 */
export function serveChild(info: unknown, handlers: ChildHandlers): void {
  const send = (message: FromChild) => process.send?.(message);
  const marks: Mark[] = [];
  process.on("message", async (message: ToChild) => {
    if (message.type === "mark") {
      marks.push({ label: message.label, at: Number(process.hrtime.bigint() / 1000n) });
      send({ type: "marked" });
    }
    if (message.type === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ type: "cpu", micros: user + system });
    }
    if (message.type === "stats") send({ type: "stats", stats: handlers.stats?.() });
    if (message.type === "command") send({ type: "answer", answer: await handlers.command?.(message.command) });
    if (message.type === "stop") {
      const dir = process.env.BENCH_MARKS_DIR;
      if (dir) writeFileSync(join(dir, `marks.${process.pid}.json`), JSON.stringify(marks));
      handlers.stop().then(() => process.exit(0));
    }
  });
  send({ type: "ready", info });
}

/** The parent's handle on a child. */
export class BenchChild<Info = unknown> {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly child: ChildProcess,
    readonly info: Info,
  ) {}

  /**
   * Forks `moduleUrl` with `args`; resolves once the child says it is ready. With `wrapper`
   * (a command and its arguments, such as valgrind's), node runs under it.
   */
  static start<Info>(
    moduleUrl: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
    execArgv: string[] = [],
    wrapper: readonly string[] = [],
  ): Promise<BenchChild<Info>> {
    // The child inherits tsx's loader through execArgv.
    const nodeArgv = [...process.execArgv, "--expose-gc", ...execArgv];
    const [command, ...commandArgs] = wrapper;
    const child = fork(new URL(moduleUrl).pathname, args, {
      stdio: "inherit",
      env: { ...process.env, ...env },
      ...(command
        ? { execPath: command, execArgv: [...commandArgs, process.execPath, ...nodeArgv] }
        : { execArgv: nodeArgv }),
    });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
      child.once("message", (message: FromChild) => {
        if (message.type === "ready") resolve(new BenchChild(child, message.info as Info));
      });
    });
  }

  /** Sends one request and waits for its answer; requests to one child are answered in order. */
  private request<T>(message: ToChild, answer: FromChild["type"], pick: (reply: any) => T): Promise<T> {
    const next = this.queue.then(
      () =>
        new Promise<T>((resolve) => {
          const onMessage = (reply: FromChild) => {
            if (reply.type !== answer) return;
            this.child.off("message", onMessage);
            resolve(pick(reply));
          };
          this.child.on("message", onMessage);
          this.child.send(message);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The child's process id (to read its memory from /proc). */
  get pid(): number {
    return this.child.pid as number;
  }

  /** The child's CPU time so far, user plus system, in microseconds. */
  cpuMicros(): Promise<number> {
    return this.request({ type: "cpu" }, "cpu", (reply) => reply.micros);
  }

  /** Records the child's clock now under `label` (see `Mark`); resolves once it has. */
  mark(label: string): Promise<void> {
    return this.request({ type: "mark", label }, "marked", () => undefined);
  }

  stats<T = unknown>(): Promise<T> {
    return this.request({ type: "stats" }, "stats", (reply) => reply.stats);
  }

  command<T = unknown>(command: unknown): Promise<T> {
    return this.request({ type: "command", command }, "answer", (reply) => reply.answer);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.removeAllListeners("exit");
      this.child.once("exit", () => resolve());
      this.child.send({ type: "stop" } satisfies ToChild);
    });
  }
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes of one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
