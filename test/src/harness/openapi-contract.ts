/** A parameter or body field as `/openapi.json` describes it. */
export interface DocumentedField {
  name: string;
  schema: { type?: string; enum?: unknown[]; maxLength?: number; maximum?: number };
  required: boolean;
}

/** One REST operation of the served OpenAPI document, with what it may answer. */
export interface DocumentedOperation {
  method: string;
  /** The path template, such as `/rooms/{roomId}`. */
  path: string;
  /** The procedure it calls, such as `rooms.get`. */
  procedure: string;
  pathParams: DocumentedField[];
  queryParams: DocumentedField[];
  /** Absent when the operation documents no JSON body. */
  bodyFields: DocumentedField[] | undefined;
  /** The documented statuses, each with the error codes listed under it (none for a success). */
  answers: Map<number, Set<string>>;
  /** Whether a success is an event stream (`text/event-stream`), which stays open. */
  streams: boolean;
}

/** Every operation of an OpenAPI document as served by natter. */
export function documentedOperations(document: any): DocumentedOperation[] {
  return Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => {
      const parameters = (op.parameters ?? []) as { in: string; name: string; schema: any; required?: boolean }[];
      const field = (p: { name: string; schema: any; required?: boolean }) => ({
        name: p.name,
        schema: p.schema ?? {},
        required: p.required ?? false,
      });
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const answers = new Map<number, Set<string>>();
      for (const [status, response] of Object.entries<{ description?: string }>(op.responses)) {
        const codes = [...(response.description ?? "").matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] as string);
        answers.set(Number(status), new Set(codes));
      }
      return {
        method: method.toUpperCase(),
        path,
        procedure: String(op.operationId).replace(/-/g, "."),
        pathParams: parameters.filter((p) => p.in === "path").map(field),
        queryParams: parameters.filter((p) => p.in === "query").map(field),
        bodyFields: bodySchema
          ? Object.entries<any>(bodySchema.properties ?? {}).map(([name, schema]) => ({
              name,
              schema,
              required: (bodySchema.required ?? []).includes(name),
            }))
          : undefined,
        answers,
        streams: Object.values<any>(op.responses).some((response) => response.content?.["text/event-stream"]),
      };
    }),
  );
}

/** Whether an operation documents this status, and for an error, this code under it. */
export function isDocumented(operation: DocumentedOperation, status: number, code?: string): boolean {
  const codes = operation.answers.get(status);
  if (!codes) return false;
  return status < 400 || (code !== undefined && codes.has(code));
}
