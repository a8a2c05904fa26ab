import { errorBodySchema } from "@natter/shared";
import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import type { AppRouter } from "../routers/app-router.js";
import { procedureMeta } from "../trpc/procedure-meta.js";

/** Where the REST paths are served. */
export const REST_PREFIX = "/api/v1";

const ERROR_RESPONSE_REF = "#/components/schemas/ErrorResponse";

/**
 * The OpenAPI 3.1 document of the REST paths, as REST callers see them: natter's error
 * body on every error status, and 201 where a success creates something.
 */
export function createOpenApiDocument(router: AppRouter, version: string): OpenAPIObject {
  const document = generateOpenApiDocument(router, {
    title: "natter",
    description:
      "A chat backend: accounts, rooms, messages and live events. Send `Authorization: Bearer <token>` " +
      "from sign-up or log-in. Every error answers `{ error: { code, message } }` with a stable `code`.",
    version,
    baseUrl: REST_PREFIX,
    securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
    defs: { ErrorResponse: z.object({ error: errorBodySchema }) },
  });
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      if (typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const responses = operation.responses as Record<string, { description?: string; content?: unknown }>;
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400) {
          responses[status] = {
            description: response.description ?? "Error",
            content: { "application/json": { schema: { $ref: ERROR_RESPONSE_REF } } },
          };
        }
      }
      const operationId = "operationId" in operation ? String(operation.operationId) : "";
      const successStatus = procedureMeta(router, operationId.replace(/-/g, "."))?.successStatus;
      if (successStatus && successStatus !== 200 && responses["200"]) {
        responses[String(successStatus)] = responses["200"];
        delete responses["200"];
      }
    }
  }
  return document;
}
