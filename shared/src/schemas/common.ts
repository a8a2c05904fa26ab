import { z } from "zod";
import { findRefusedCharacter, isBlankName, TEXT_RULE_SUMMARY, type TextKind } from "../text/text-rules.js";

/**
 * An opaque identifier (UUIDv7 text); never sequential, never parsed by clients. No id natter
 * makes holds a control character, and PostgreSQL cannot even compare text holding NUL: such
 * an input is refused alike on every engine.
 */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^\P{Cc}*$/u, "must not contain control characters");

/** An instant as an ISO-8601 UTC string with milliseconds. */
export const timestampSchema = z.iso.datetime();

/**
 * A boolean in a JSON body. trpc-to-openapi coerces body and query values in place
 * (`Boolean("false")` is true); it leaves a pipe alone, so only `true` and `false` pass.
 */
export const jsonBooleanSchema = z.boolean().pipe(z.boolean());

/**
 * Text of a name as the text rule for names takes it: normalised to NFKC (compatibility forms
 * become the letters they look like), then trimmed. Length limits go after this.
 */
export function nameTextSchema() {
  return z.string().normalize("NFKC").trim();
}

/**
 * The schema refusing the characters the text rule (`text/text-rules.ts`) forbids in text of
 * this kind, with the rule in its description so that the API reference states it.
 */
export function followingTextRule<Schema extends z.ZodString>(schema: Schema, kind: TextKind, description: string) {
  return schema
    .check((ctx) => {
      const problem =
        findRefusedCharacter(ctx.value, kind) ??
        (kind === "name" && ctx.value !== "" && isBlankName(ctx.value) ? "must not be blank" : undefined);
      if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
    })
    .describe(`${description} ${TEXT_RULE_SUMMARY[kind]}`);
}
