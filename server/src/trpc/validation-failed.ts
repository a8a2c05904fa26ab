import { type FieldIssue, NatterError } from "@natter/shared";

/** One issue of a schema validation failure, as zod (or any Standard Schema) reports it. */
export interface SchemaIssue {
  path?: readonly PropertyKey[] | undefined;
  message?: string | undefined;
  /** With zod's `unrecognized_keys`: the unknown fields. */
  keys?: unknown;
}

/**
 * The one place a schema's issues become natter's `VALIDATION_FAILED` (400), whatever refused
 * the input: a procedure's input parser, an event stream's query, the command line. Each issue
 * is named by its dotted path; an unknown field is named as the field itself, so that a typo
 * ("Open") is found at once.
 */
export function validationFailed(issues: readonly SchemaIssue[], message = "Input validation failed"): NatterError {
  return new NatterError("VALIDATION_FAILED", message, { issues: issues.flatMap(fieldIssues) });
}

function fieldIssues(issue: SchemaIssue): FieldIssue[] {
  const path = (issue.path ?? []).map(String);
  if (Array.isArray(issue.keys)) {
    return issue.keys.map((key) => ({ path: [...path, String(key)].join("."), message: "unknown field" }));
  }
  return [{ path: path.join("."), message: issue.message ?? "invalid" }];
}
