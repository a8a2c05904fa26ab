/**
 * Uploads: throughput of one 5 MiB image, and the server's memory while 20 uploads of
 * 10 MiB each stream in at once, for both blob stores side by side: the directory and an
 * S3-compatible server (s3rver, in a child process of its own). natter (sniffing, SHA-256,
 * quota, SQLite row, content-addressed commit) runs beside a bare `node:http` server that
 * only hashes the body into the same store (a file; one streamed PutObject), each server in
 * its own child process; repetitions are interleaved and medians reported. Memory is the
 * child's resident set (VmRSS), sampled every 10 ms during the burst: it must stay flat
 * (streaming), not grow by the 200 MiB in flight (buffering).
 *
 *   pnpm run bench:uploads
 *   UPLOAD_REPS=20 pnpm run bench:uploads
 */
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { loadConfig, startNatterServer } from "natter";
import S3rver from "s3rver";
import { fixed, summarize } from "./stats.js";

const MIB = 1024 * 1024;
const REPS = Number(process.env.UPLOAD_REPS ?? 10);
const BURST = 20;
const STORES = ["directory", "s3"] as const;
type Store = (typeof STORES)[number];
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

// ---------------------------------------------------------------------------------------
// Children: the servers under test, and the S3-compatible server.

type FromChild = { type: "ready"; url: string };

/** s3rver on an ephemeral port with a bucket for each server under test. */
async function serveS3rver(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-s3rver-"));
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: "natter" }, { name: "bare" }],
  });
  const { port } = await s3rver.run();
  serveChild(`http://127.0.0.1:${port}`, async () => {
    await s3rver.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

async function serveNatter(store: Store, s3Endpoint: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-uploads-"));
  const s3 =
    store === "s3"
      ? {
          s3Endpoint,
          s3Bucket: "natter",
          s3AccessKeyId: CREDENTIALS.accessKeyId,
          s3SecretAccessKey: CREDENTIALS.secretAccessKey,
        }
      : {};
  const server = await startNatterServer({
    config: loadConfig(
      { port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent", uploadBytesPerHour: 100 * 1024 * MIB, ...s3 },
      {},
    ),
  });
  serveChild(server.url, async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Streams each body through SHA-256 into the store and answers 201: the floor of the work.
 * The directory: a file of its own. S3: one PutObject of the announced length, streamed.
 */
async function serveBare(store: Store, s3Endpoint: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-bench-bare-"));
  const s3 =
    store === "s3"
      ? new S3Client({ endpoint: s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS })
      : undefined;
  let count = 0;
  const server = createServer((req, res) => {
    const hash = createHash("sha256");
    req.on("data", (chunk: Buffer) => hash.update(chunk));
    const key = String(count++);
    const stored = s3
      ? s3.send(
          new PutObjectCommand({
            Bucket: "bare",
            Key: key,
            Body: req.pipe(new PassThrough()),
            ContentLength: Number(req.headers["content-length"]),
          }),
        )
      : pipeline(req, createWriteStream(join(dir, key)));
    stored.then(
      () =>
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ sha256: hash.digest("hex") })),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  serveChild(`http://127.0.0.1:${port}`, async () => {
    server.close();
    s3?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
}

function serveChild(url: string, stop: () => Promise<void>): void {
  process.on("message", (message: { type: string }) => {
    if (message.type === "stop") stop().then(() => process.exit(0));
  });
  process.send?.({ type: "ready", url } satisfies FromChild);
}

class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(role: string, ...args: string[]): Promise<ServerProcess> {
    const child = fork(fileURLToPath(import.meta.url), [role, ...args], { stdio: "inherit" });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
      child.once("message", (message: FromChild) => resolve(new ServerProcess(child, message.url)));
    });
  }

  /** The child's resident set size in MiB, from /proc. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.removeAllListeners("exit");
      this.child.once("exit", () => resolve());
      this.child.send({ type: "stop" });
    });
  }
}

// ---------------------------------------------------------------------------------------
// The measuring side.

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}

/** A PNG header of a 1000×1000 image and a private chunk that pads it to `size` bytes, unique per `seed`. */
function pngOfSize(size: number, filler: Buffer, seed: number): Blob {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1000, 0);
  ihdr.writeUInt32BE(1000, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr)]);
  const end = pngChunk("IEND", Buffer.alloc(0));
  const padding = size - head.length - end.length - 12;
  const chunkHead = Buffer.alloc(8);
  chunkHead.writeUInt32BE(padding, 0);
  chunkHead.write("nAtR", 4, "latin1");
  const unique = Buffer.alloc(16);
  unique.writeDoubleBE(seed, 0);
  unique.writeDoubleBE(Math.random(), 8);
  return new Blob([head, chunkHead, unique, filler.subarray(0, padding - 16), Buffer.alloc(4), end]);
}

async function signUp(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: `bench_${process.pid}`, password: "correct horse battery" }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function post(url: string, token: string, body: Blob): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "image/png", authorization: `Bearer ${token}` },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const filler = Buffer.alloc(10 * MIB);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 7919) & 0xff;
  const s3rver = await ServerProcess.start("serve-s3rver");
  const servers: { name: string; server: ServerProcess; path: string }[] = [];
  try {
    for (const store of STORES) {
      const natter = await ServerProcess.start("serve-natter", store, s3rver.url);
      servers.push({ name: `natter ${store}`, server: natter, path: "/api/v1/uploads" });
      const bare = await ServerProcess.start("serve-bare", store, s3rver.url);
      servers.push({ name: `bare ${store}`, server: bare, path: "/upload" });
    }
    const targets = await Promise.all(
      servers.map(async ({ name, server, path }) => ({
        name,
        server,
        url: `${server.url}${path}`,
        token: name.startsWith("natter") ? await signUp(server.url) : "",
      })),
    );
    let seed = 0;
    // Warm-up: one upload each, so that code paths are compiled before anything is timed.
    for (const target of targets) await post(target.url, target.token, pngOfSize(5 * MIB, filler, seed++));

    const times = new Map<string, number[]>(targets.map((target) => [target.name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      // Each repetition starts at another target, so that none is always first or last.
      const order = targets.map((_, i) => targets[(i + rep) % targets.length] as (typeof targets)[number]);
      for (const target of order) {
        times.get(target.name)?.push(await post(target.url, target.token, pngOfSize(5 * MIB, filler, seed++)));
      }
    }
    console.log(`5 MiB image upload, ${REPS} interleaved repetitions (median):`);
    const mbps = new Map<string, number>();
    for (const target of targets) {
      const { p50 } = summarize(times.get(target.name) ?? []);
      mbps.set(target.name, (5 * MIB) / 1e6 / (p50 / 1000));
      console.log(`  ${target.name.padEnd(16)} ${fixed(p50, 1)} ms  ${fixed(mbps.get(target.name) ?? 0, 1)} MB/s`);
    }
    for (const store of STORES) {
      const ratio = (mbps.get(`natter ${store}`) ?? 0) / (mbps.get(`bare ${store}`) ?? 1);
      console.log(`  natter/bare throughput, ${store}: ${fixed(ratio)}`);
    }

    console.log(`\nServer memory (VmRSS) during ${BURST} concurrent 10 MiB uploads:`);
    for (const target of targets) {
      const bodies = Array.from({ length: BURST }, () => pngOfSize(10 * MIB, filler, seed++));
      const before = target.server.rssMiB();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, target.server.rssMiB());
      }, 10);
      const started = performance.now();
      await Promise.all(bodies.map((body) => post(target.url, target.token, body)));
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const after = target.server.rssMiB();
      console.log(
        `  ${target.name.padEnd(16)} before ${fixed(before, 0)} MiB, peak ${fixed(peak, 0)} MiB (+${fixed(peak - before, 0)}), ` +
          `after ${fixed(after, 0)} MiB; ${BURST * 10} MiB in ${fixed(seconds, 1)} s`,
      );
    }
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
    await s3rver.stop();
  }
}

const [role, store, s3Endpoint = ""] = process.argv.slice(2) as [string | undefined, Store, string | undefined];
if (role === "serve-s3rver") await serveS3rver();
else if (role === "serve-natter") await serveNatter(store, s3Endpoint);
else if (role === "serve-bare") await serveBare(store, s3Endpoint);
else await main();
