import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ERROR_HTTP_STATUS, type ErrorCode } from "@natter/shared";
import { type AppRouter, createAppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  documentedOperations,
  grantServerAdmin,
  isDocumented,
  signUp,
  startTestServer,
  type TestServer,
} from "../harness/index.js";
import { callProcedure, procedureDef, type Transport, transportsOf } from "./call-procedure.js";
import {
  type AccountRow,
  expectedOutcome,
  type Matrix,
  type MatrixUser,
  type Outcome,
  ROOM_CALLERS,
  ROOM_KINDS,
  type RoomCell,
  type RoomRow,
  SERVER_ADMIN,
} from "./matrix.js";
import { freshRoom, playerOf, signUpCast } from "./room-fixture.js";

/*
 * The authorization matrix: every procedure of the real router, called by every kind of
 * caller on open and closed rooms over tRPC and REST, must end exactly as its table says.
 * Tables are the `*-matrix.ts` files of this folder, found by name: adding a resource's
 * table is adding its file. A procedure without a row fails the run.
 */

const here = dirname(fileURLToPath(import.meta.url));
const testRoot = dirname(here);

const matrices: Matrix[] = [];
for (const file of readdirSync(here).filter((name) => name.endsWith("-matrix.ts"))) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { matrix?: Matrix };
  if (!module.matrix) throw new Error(`${file} must export its table as \`matrix\``);
  matrices.push(module.matrix);
}

const roomRows = matrices.flatMap((m) => m.rooms ?? []);
const pathRows = matrices.flatMap((m) => m.paths ?? []);
const accountRows = matrices.flatMap((m) => m.accounts ?? []);
const elsewhere = matrices.flatMap((m) => m.elsewhere ?? []);

const label = (row: { procedure: string; variant?: string } | { path: string; variant?: string }) => {
  const name = "procedure" in row ? row.procedure : row.path;
  return row.variant ? `${name} (${row.variant})` : name;
};

/** Cells that answered otherwise than their table says. */
const mismatches: string[] = [];
/** Cells that were let through although their table says they must be refused. */
const unexpectedAllows: string[] = [];
let cellCount = 0;

/** The error codes each procedure was seen to answer over REST. */
const restErrors = new Map<string, Set<string>>();

function record(cell: string, expected: Outcome, actual: string): void {
  cellCount += 1;
  if (actual === expected) return;
  mismatches.push(`${cell}: expected ${expected}, got ${actual}`);
  if (actual === "allow") unexpectedAllows.push(cell);
}

function noteRestErrors(
  procedure: string,
  cells: readonly { transport: Transport }[],
  actual: readonly string[],
): void {
  cells.forEach((cell, i) => {
    const outcome = actual[i];
    if (cell.transport !== "rest" || outcome === undefined || outcome === "allow") return;
    const codes = restErrors.get(procedure) ?? new Set<string>();
    codes.add(outcome);
    restErrors.set(procedure, codes);
  });
}

describe("authorization matrix", () => {
  let server: TestServer;
  let router: AppRouter;
  let cast: RoomCell["users"];
  let someone: MatrixUser;

  beforeAll(async () => {
    // Every cell of a room row creates a fresh room for the same owner, and every signed-in cell of
    // an accounts row signs a fresh user up from one address: far above a person's rates.
    server = await startTestServer({
      config: {
        roomCreateRatePerAccount: "100000/1h",
        roomCreateRatePerAddress: "100000/1h",
        messageSendRatePerAccount: "100000/1h",
        signUpRatePerAddress: "100000/1h",
        // The bots and webhook rows' cells each make a bot, a key or an endpoint as the one server
        // admin (the bots.delete row too): together far above an admin's 600 changes an hour.
        adminWriteRatePerAccount: "100000/1h",
        // The webhook rows register loopback endpoints: tests send nothing off this machine.
        webhookAllowPrivateNetworks: true,
        // So do the push rows (subscriptions on loopback).
        pushAllowPrivateNetworks: true,
      },
    });
    router = createAppRouter(server.services);
    [cast, someone] = await Promise.all([signUpCast(server.url, server.databaseUrl), signUp(server.url)]);
  });
  afterAll(async () => {
    console.log(
      `authorization matrix: ${cellCount} cells, ${mismatches.length} mismatches, ` +
        `${unexpectedAllows.length} unexpected allows`,
    );
    await server.stop();
  });

  it("has a row for every procedure of the real router, and none for a procedure it lacks", () => {
    const procedures = Object.keys(router._def.procedures).sort();
    const covered = new Set([...roomRows, ...accountRows, ...elsewhere].map((row) => row.procedure));
    const missing = procedures.filter((p) => !covered.has(p));
    expect(missing, "procedures without a row: add them to a *-matrix.ts of test/src/authorization").toEqual([]);
    expect(
      [...covered].filter((p) => !procedures.includes(p)),
      "rows for procedures the router lacks",
    ).toEqual([]);
  });

  it.each(elsewhere)("$procedure is asserted in $coveredBy", ({ procedure, coveredBy }) => {
    const file = join(testRoot, coveredBy);
    expect(existsSync(file), `${coveredBy} exists`).toBe(true);
    expect(readFileSync(file, "utf8")).toContain(`authorization: ${procedure}`);
  });

  it.each(roomRows.map((row) => [label(row), row] as const))("%s", async (_, row) => {
    const def = procedureDef(router, row.procedure);
    if (!def) throw new Error(`no procedure ${row.procedure}`);
    const cells = ROOM_KINDS.flatMap((kind) =>
      ROOM_CALLERS.flatMap((actor) => transportsOf(def).map((transport) => ({ kind, actor, transport }))),
    );
    const actual = await Promise.all(
      cells.map(async ({ kind, actor, transport }) => {
        const cell: RoomCell = {
          roomId: await freshRoom(server.url, cast, kind),
          kind,
          actor,
          caller: playerOf(cast, actor),
          users: cast,
          extra: {},
        };
        if (row.prepare) cell.extra = await row.prepare(cell, server.url);
        return callProcedure(server.url, def, row.procedure, row.input(cell), cell.caller?.token, transport);
      }),
    );
    const table = (outcome: (i: number) => string) =>
      Object.fromEntries(cells.map((c, i) => [`${c.kind} room, ${c.actor}, ${c.transport}`, outcome(i)]));
    const expected = table((i) =>
      expectedOutcome(row as RoomRow, cells[i]?.kind ?? "open", cells[i]?.actor ?? "owner"),
    );
    const got = table((i) => actual[i] ?? "no answer");
    for (const key of Object.keys(expected)) record(`${label(row)}: ${key}`, expected[key] as Outcome, got[key] ?? "");
    noteRestErrors(row.procedure, cells, actual);
    expect(got).toEqual(expected);
  });

  it.each(pathRows.map((row) => [label(row), row] as const))("%s", async (_, row) => {
    const cells = ROOM_KINDS.flatMap((kind) => ROOM_CALLERS.map((actor) => ({ kind, actor })));
    const actual = await Promise.all(
      cells.map(async ({ kind, actor }) => {
        const cell: RoomCell = {
          roomId: await freshRoom(server.url, cast, kind),
          kind,
          actor,
          caller: playerOf(cast, actor),
          users: cast,
          extra: {},
        };
        return row.call(cell, server.url);
      }),
    );
    const table = (outcome: (i: number) => string) =>
      Object.fromEntries(cells.map((c, i) => [`${c.kind} room, ${c.actor}`, outcome(i)]));
    const expected = table((i) => expectedOutcome(row, cells[i]?.kind ?? "open", cells[i]?.actor ?? "owner"));
    const got = table((i) => actual[i] ?? "no answer");
    for (const key of Object.keys(expected)) record(`${label(row)}: ${key}`, expected[key] as Outcome, got[key] ?? "");
    expect(got).toEqual(expected);
  });

  it("has its path rows' operations in /openapi.json", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    const listed = new Set(documentedOperations(document).map((op) => `${op.method} ${op.path}`));
    expect(pathRows.map((row) => row.path).filter((path) => !listed.has(path))).toEqual([]);
  });

  it.each(accountRows.map((row) => [label(row), row] as const))("%s", async (_, row: AccountRow) => {
    const def = procedureDef(router, row.procedure);
    if (!def) throw new Error(`no procedure ${row.procedure}`);
    const cells = (["anonymous", "user", SERVER_ADMIN] as const).flatMap((actor) =>
      transportsOf(def).map((transport: Transport) => ({ actor, transport })),
    );
    const actual = await Promise.all(
      cells.map(async ({ actor, transport }) => {
        const caller = actor === "anonymous" ? null : await signUp(server.url);
        if (caller && actor === SERVER_ADMIN) await grantServerAdmin(server.databaseUrl, caller.username);
        const extra = row.prepare ? await row.prepare(server.url) : {};
        const input = row.input({ caller, someone, extra });
        return callProcedure(server.url, def, row.procedure, input, caller?.token, transport);
      }),
    );
    const outcomeOf = (actor: (typeof cells)[number]["actor"]) =>
      actor === SERVER_ADMIN ? (row.serverAdmin ?? row.user) : row[actor];
    const expected = Object.fromEntries(cells.map((c) => [`${c.actor}, ${c.transport}`, outcomeOf(c.actor)]));
    const got = Object.fromEntries(cells.map((c, i) => [`${c.actor}, ${c.transport}`, actual[i]]));
    for (const key of Object.keys(expected)) record(`${label(row)}: ${key}`, expected[key] as Outcome, got[key] ?? "");
    noteRestErrors(row.procedure, cells, actual);
    expect(got).toEqual(expected);
  });

  it("lets nothing through that its tables refuse", () => {
    expect(cellCount).toBeGreaterThan(0);
    expect(unexpectedAllows).toEqual([]);
  });

  it("finds every error code it saw over REST documented for that operation in /openapi.json", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    const operations = new Map(documentedOperations(document).map((op) => [op.procedure, op]));
    const undocumented = [...restErrors].flatMap(([procedure, codes]) =>
      [...codes]
        .filter((code) => {
          const operation = operations.get(procedure);
          return !operation || !isDocumented(operation, ERROR_HTTP_STATUS[code as ErrorCode], code);
        })
        .map((c) => `${procedure}: ${c}`),
    );
    expect(restErrors.size).toBeGreaterThan(10);
    expect(undocumented).toEqual([]);
  });
});
