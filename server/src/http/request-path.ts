import { NatterError } from "@natter/shared";

/** The path and query of a request target, checked before any route sees it. */
export interface RequestPath {
  /** Still percent-encoded; never holds a `.` or `..` segment. */
  pathname: string;
  /** The query string with its `?`, or `""`. */
  search: string;
}

/**
 * Splits a request target into path and query, refusing what could reach another route
 * than the one it names: a `.` or `..` segment, raw or percent-encoded (a URL parser would
 * resolve `/rooms/{id}/messages/..` to `/rooms/{id}`), a backslash (parsers read it as `/`),
 * a target that is not a path, and percent-encoding that does not decode.
 */
export function parseRequestPath(target: string): RequestPath {
  const queryAt = target.indexOf("?");
  const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
  const search = queryAt === -1 ? "" : target.slice(queryAt);
  if (!pathname.startsWith("/")) throw malformed("The request target must be a path starting with /");
  if (pathname.includes("\\")) throw malformed("The path must not contain a backslash");
  // Without a dot or a percent sign no segment is a dot segment and the path decodes: most paths.
  if (!pathname.includes(".") && !pathname.includes("%")) return { pathname, search };
  for (const segment of pathname.split("/")) {
    const dots = segment.replace(/%2e/gi, ".");
    if (dots === "." || dots === "..") throw malformed("The path must not contain `.` or `..` segments");
  }
  try {
    decodeURIComponent(pathname);
  } catch {
    throw malformed("The path is not valid percent-encoded UTF-8");
  }
  return { pathname, search };
}

function malformed(message: string): NatterError {
  return new NatterError("MALFORMED_REQUEST", message);
}

/**
 * A path segment as `decodeURIComponent` reads it. Without a `%` there is nothing to decode
 * (every id): the call is left out, which cost a send ~3k instructions in each of the route
 * table and the REST handler.
 */
export function decodePathSegment(segment: string): string {
  return segment.includes("%") ? decodeURIComponent(segment) : segment;
}
