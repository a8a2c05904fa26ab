import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, readSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `perf record -e cpu-clock` of one process, sampling only while told (`enable`, `disable`):
 * where its time on a CPU went, the kernel's and V8's compiled code's included (name that code
 * with the process's `--perf-basic-prof`, or annotate it with `--perf-prof` and `perf inject
 * --jit`). Time, not instructions: a load that misses the caches costs hundreds of cycles and
 * one instruction, which callgrind counts as one. `cpu-clock` is a software event, so it works
 * where the machine exposes no hardware counters (here `perf stat -e cycles` is "not supported").
 */
export class PerfRecording {
  private readonly child: ChildProcess;
  private readonly control: number;
  private readonly ack: number;

  /** Starts recording `pid` to `outFile`, paused. */
  constructor(pid: number, outFile: string) {
    // Fails here, with perf's absence as the reason: the fifos below would wait for it forever.
    execFileSync("perf", ["--version"], { stdio: "ignore" });
    const dir = mkdtempSync(join(tmpdir(), "perf-control-"));
    const [control, ack] = [join(dir, "control"), join(dir, "ack")];
    execFileSync("mkfifo", [control, ack]);
    this.child = spawn(
      "perf",
      [
        "record",
        // CLOCK_MONOTONIC, as `--perf-prof`'s jitdump needs for `perf inject --jit`.
        ...["-k", "1", "-e", "cpu-clock", "-F", "9999", "--delay=-1"],
        ...["--control", `fifo:${control},${ack}`, "-p", String(pid), "-o", outFile],
      ],
      { stdio: "inherit" },
    );
    // perf opens both as it starts: these wait until it has.
    this.control = openSync(control, "w");
    this.ack = openSync(ack, "r");
  }

  /** Samples from now on (answers once perf has). */
  enable(): void {
    this.tell("enable");
  }

  /** Stops sampling (answers once perf has). */
  disable(): void {
    this.tell("disable");
  }

  /** Ends the recording: perf writes its file and exits. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGINT");
    });
  }

  private tell(command: string): void {
    writeSync(this.control, `${command}\n`);
    readSync(this.ack, Buffer.alloc(16));
  }
}
