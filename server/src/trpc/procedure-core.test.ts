import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { initTRPC, TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyProcedure, type ProcedureCall, runProcedure } from "./procedure-core.js";

const SOURCES = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("tRPC's internals", () => {
  it("are imported by the procedure core alone", () => {
    const importers = sourceFiles(SOURCES)
      .filter((file) => readFileSync(file, "utf8").includes("@trpc/server/unstable-core-do-not-import"))
      .map((file) => relative(SOURCES, file));
    expect(importers).toEqual(["trpc/procedure-core.ts"]);
  });
});

/** What a call came to: its answer, or its error as a caller sees it. */
async function outcomeOf(call: () => Promise<unknown>) {
  try {
    return { data: await call() };
  } catch (error) {
    const { code, message, cause } = error as TRPCError;
    return { error: { code, message, cause: cause?.message } };
  }
}

describe("runProcedure", () => {
  const t = initTRPC.context<{ userId: string | null; seen: string[] }>().meta<{ scope?: string }>().create();
  const signedIn = t.procedure.use(async (options) => {
    const { ctx, next, meta, path, type } = options;
    ctx.seen.push(`${type} ${path} ${meta?.scope}`, `given ${Object.keys(options)}`);
    if (ctx.userId === null) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in" });
    return next({ ctx: { userId: ctx.userId } });
  });
  const echo = z.object({ text: z.string() });
  const procedures = {
    send: signedIn
      .meta({ scope: "write" })
      .input(echo)
      .output(z.object({ text: z.string(), by: z.string() }))
      .mutation(({ ctx, input }) => ({ text: input.text, by: ctx.userId, dropped: "by the output's parse" })),
    failing: signedIn.input(echo).query(({ input }) => {
      if (input.text === "boom") throw new Error("the resolver failed");
      throw new TRPCError({ code: "CONFLICT", message: "taken" });
    }),
    rewritten: t.procedure
      .use(({ next }) => next({ input: { text: "from the middleware" } }))
      .use(({ next }) => next({ getRawInput: async () => ({ text: "raw" }) }))
      .use(async (options) => {
        const { next, input, getRawInput } = options;
        return next({ ctx: { seen: [JSON.stringify([input, await getRawInput()]), `given ${Object.keys(options)}`] } });
      })
      .query(({ ctx, input }) => ({ input, ctx })),
    silent: t.procedure.use((async () => undefined) as never).query(() => "never"),
  };
  const cases: Array<[keyof typeof procedures, string | null, unknown]> = [
    ["send", "ada", { text: "hi" }],
    ["send", null, { text: "hi" }],
    ["send", "ada", { text: 42 }],
    ["failing", "ada", { text: "boom" }],
    ["failing", "ada", { text: "other" }],
    ["rewritten", "ada", { text: "given" }],
    ["silent", "ada", undefined],
  ];

  it.each(cases)("answers %s (user %s) as tRPC's own caller does", async (path, userId, input) => {
    const procedure = procedures[path] as AnyProcedure;
    const type = procedure._def.type as "query" | "mutation";
    const call = (seen: string[]) => ({
      path,
      type,
      ctx: { userId, seen },
      getRawInput: async () => input,
      signal: undefined,
    });
    const [seenByTheirs, seenByOurs] = [[] as string[], [] as string[]];
    const theirs = await outcomeOf(() => procedure({ ...call(seenByTheirs), batchIndex: 0 }));
    expect(await outcomeOf(() => runProcedure(procedure, call(seenByOurs) as unknown as ProcedureCall))).toEqual(
      theirs,
    );
    expect(seenByOurs).toEqual(seenByTheirs);
  });
});
