import type { z } from "zod";

/**
 * `schema` for a procedure's `.output(...)` that documents its answer (OpenAPI, the inferred
 * types, the client's types) without checking it again at run time. For answers natter builds
 * field by field from its own rows and whose shape a test holds to the schema (history pages:
 * `toMessage`, `message-rows.test.ts`): there, zod's check copies every message, reaction
 * and thread summary of the page, about a tenth of the CPU of a page whose 50 messages carry
 * 10 reactions each (`npm run bench:conversations`). Anything else keeps `.output(schema)`,
 * whose check also drops fields the schema does not name.
 *
 * The schema is the prototype of what is returned: trpc-to-openapi and zod read its
 * definition through it; tRPC's output check calls the own `parse`, which gives the answer
 * back as it is.
 */
export function builtOutput<T extends z.ZodType>(schema: T): T {
  const given = <V>(value: V) => value;
  return Object.create(schema, {
    parse: { value: given },
    parseAsync: { value: async <V>(value: V) => value },
  }) as T;
}
