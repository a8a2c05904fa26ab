import { describe, expect, it } from "vitest";
import { type Route, RouteTable, route } from "./route-table.js";

const handle = () => {};
const at = (pathname: string) => ({ pathname, search: "" });

describe("RouteTable", () => {
  const routes: Route[] = [
    route("*", "/*", handle),
    route(["GET"], "/docs/*", handle),
    route(["POST"], "/api/v1/uploads", handle),
    route("*", "/api/v1/*", handle),
    route(["GET"], "/files/:fileId", handle),
    route(["GET"], "/", handle),
  ];
  const table = new RouteTable(routes);
  const patternOf = (method: string, pathname: string) => {
    const found = table.lookup(method, at(pathname));
    return found.kind === "found" ? found.route.pattern : found.kind;
  };

  it("picks the most specific pattern whatever the order", () => {
    expect(patternOf("POST", "/api/v1/uploads")).toBe("/api/v1/uploads");
    expect(patternOf("GET", "/api/v1/uploads")).toBe("/api/v1/*");
    expect(patternOf("GET", "/api/v1/rooms")).toBe("/api/v1/*");
    expect(patternOf("GET", "/")).toBe("/");
    expect(patternOf("GET", "/docs")).toBe("/docs/*");
    expect(patternOf("GET", "/elsewhere/deep")).toBe("/*");
  });

  it("decodes parameters and keeps what a prefix matched below it", () => {
    const found = table.lookup("GET", { pathname: "/files/a%20b", search: "?x=1" });
    expect(found).toMatchObject({ kind: "found", match: { params: { fileId: "a b" }, search: "?x=1" } });
    // Without a `%` a segment is its own decoding (`decodePathSegment` leaves the call out).
    for (const segment of ["019afa4e-8f1c-7abc-9def-0123456789ab", "a+b", "x;y=z", "é"]) {
      const plain = table.lookup("GET", at(`/files/${segment}`));
      expect(plain).toMatchObject({ kind: "found", match: { params: { fileId: decodeURIComponent(segment) } } });
    }
    const docs = table.lookup("GET", at("/docs/swagger-ui.css"));
    expect(docs).toMatchObject({ kind: "found", match: { tail: "swagger-ui.css" } });
  });

  it("serves HEAD where GET is served, and tells the methods of a path asked with another", () => {
    const only = new RouteTable([route(["GET"], "/healthz", handle), route(["PUT"], "/healthz", handle)]);
    expect(only.lookup("HEAD", at("/healthz")).kind).toBe("found");
    expect(only.lookup("DELETE", at("/healthz"))).toEqual({ kind: "wrong-method", allow: ["GET", "HEAD", "PUT"] });
    expect(only.lookup("GET", at("/nothing"))).toEqual({ kind: "not-found" });
    expect(only.lookup("GET", at("/healthz/"))).toEqual({ kind: "not-found" });
  });
});
