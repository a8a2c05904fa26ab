/**
 * Servers and clients under test, each in a child process of the bench, so one's event loop
 * and CPU are never another's. A child is this bench's own module forked with a role
 * argument; it answers `cpu` (its `process.cpuUsage()`), `stats` and `stop` over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";

type ToChild = { type: "cpu" } | { type: "stats" } | { type: "stop" } | { type: "command"; command: unknown };
type FromChild =
  | { type: "ready"; info: unknown }
  | { type: "cpu"; micros: number }
  | { type: "stats"; stats: unknown }
  | { type: "answer"; answer: unknown };

export interface ChildHandlers {
  /** What `ChildProcess.stats()` answers. */
  stats?: () => unknown;
  /** Answers a command of the parent's. */
  command?: (command: any) => Promise<unknown> | unknown;
  stop: () => Promise<void>;
}

/** In a child: announces `info` (such as its URL) and serves the parent's requests. */
export function serveChild(info: unknown, handlers: ChildHandlers): void {
  const send = (message: FromChild) => process.send?.(message);
  process.on("message", async (message: ToChild) => {
    if (message.type === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ type: "cpu", micros: user + system });
    }
    if (message.type === "stats") send({ type: "stats", stats: handlers.stats?.() });
    if (message.type === "command") send({ type: "answer", answer: await handlers.command?.(message.command) });
    if (message.type === "stop") handlers.stop().then(() => process.exit(0));
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

  /** Forks `moduleUrl` with `args`; resolves once the child says it is ready. */
  static start<Info>(
    moduleUrl: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
    execArgv: string[] = [],
  ): Promise<BenchChild<Info>> {
    // The child inherits tsx's loader through execArgv.
    const child = fork(new URL(moduleUrl).pathname, args, {
      stdio: "inherit",
      env: { ...process.env, ...env },
      execArgv: [...process.execArgv, "--expose-gc", ...execArgv],
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
