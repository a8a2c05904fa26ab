import type { ErrorCode } from "@natter/shared";

/** Who calls: nobody signed in, a signed-in stranger to the room, or a member with a role. */
export const ROOM_ACTORS = ["anonymous", "nonMember", "member", "admin", "owner"] as const;
export type RoomActor = (typeof ROOM_ACTORS)[number];

/**
 * A server admin (`natter admin grant`), a member of no matrix room. Tried on every row:
 * unless a row says otherwise, they fare as a non-member in rooms and as a user elsewhere.
 */
export const SERVER_ADMIN = "serverAdmin";
export type Caller = RoomActor | typeof SERVER_ADMIN;
/** Every caller of a room row's cells. */
export const ROOM_CALLERS: readonly Caller[] = [...ROOM_ACTORS, SERVER_ADMIN];

export const ROOM_KINDS = ["open", "closed"] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];

/** What a call must end in: success, or exactly this error code. */
export type Outcome = "allow" | ErrorCode;

export const ALLOW = "allow" satisfies Outcome;

/** One outcome per actor, in the order of ROOM_ACTORS: anonymous, nonMember, member, admin, owner. */
export type OutcomeLine = readonly [Outcome, Outcome, Outcome, Outcome, Outcome];

/** A signed-up user of the matrix's world. */
export interface MatrixUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

/**
 * Everything one cell's call may refer to: a fresh room of the cell's kind whose owner,
 * admins and members are the fixture's users, and the caller (null when anonymous).
 */
export interface RoomCell {
  roomId: string;
  kind: RoomKind;
  actor: Caller;
  /** The caller; null when anonymous. */
  caller: MatrixUser | null;
  users: {
    owner: MatrixUser;
    admin: MatrixUser;
    /** A second admin, for what one admin may do to another. */
    admin2: MatrixUser;
    member: MatrixUser;
    /** A second member, for what one member may do to another. */
    member2: MatrixUser;
    nonMember: MatrixUser;
    /** A user in no room, for adding. */
    outsider: MatrixUser;
    /** A server admin, in no room. */
    serverAdmin: MatrixUser;
  };
  /** Whatever the row's `prepare` made for this cell (a message id...). */
  extra: Record<string, string>;
}

/** A procedure about one room, tried by every actor on an open and on a closed room. */
export interface RoomRow {
  procedure: string;
  /** Tells apart several rows of one procedure (different inputs). */
  variant?: string;
  /** Builds state the call needs beyond the fresh room, as the room's users, before the call. */
  prepare?: (cell: RoomCell, baseUrl: string) => Promise<Record<string, string>>;
  input: (cell: RoomCell) => Record<string, unknown>;
  open: OutcomeLine;
  closed: OutcomeLine;
  /** What a server admin gets in an open and a closed room, when it is not what a non-member gets. */
  serverAdmin?: { open: Outcome; closed: Outcome };
}

/**
 * A plain HTTP route about one room, served beside the procedures (an event stream): tried
 * like a room row, by every actor on an open and on a closed room, through its own `call`.
 */
export interface RoomPathRow {
  /** The operation as `/openapi.json` lists it, such as `GET /rooms/{roomId}/events`. */
  path: string;
  /** Tells apart several rows of one path (bearer header, ticket). */
  variant?: string;
  /** Calls the path as the cell's caller: "allow" for a success, else the error code. */
  call: (cell: RoomCell, baseUrl: string) => Promise<Outcome | string>;
  open: OutcomeLine;
  closed: OutcomeLine;
}

/** What an accounts cell's call may refer to. */
export interface AccountCell {
  /** A user signed up for this cell alone; null when anonymous. */
  caller: MatrixUser | null;
  /** Some other user, to look up and to log in as. */
  someone: MatrixUser;
  /** Whatever the row's `prepare` made for this cell (a user to ban...). */
  extra: Record<string, string>;
}

/** A procedure about accounts, tried anonymously and by a freshly signed-up user. */
export interface AccountRow {
  procedure: string;
  variant?: string;
  /** Builds state the call needs, before the call. */
  prepare?: (baseUrl: string) => Promise<Record<string, string>>;
  input: (cell: AccountCell) => Record<string, unknown>;
  anonymous: Outcome;
  user: Outcome;
  /** What a (fresh) server admin gets, when it is not what a user gets. */
  serverAdmin?: Outcome;
}

/**
 * A procedure whose authorization is asserted in another test file (a subscription over
 * WebSocket). The file must exist under test/src and contain `authorization: <procedure>`
 * (the name of its describe block), or the matrix fails.
 */
export interface CoveredElsewhere {
  procedure: string;
  /** Path of the test file, relative to test/src. */
  coveredBy: string;
}

/** One resource's table. Every `*-matrix.ts` file next to this one exports one as `matrix`. */
export interface Matrix {
  resource: string;
  rooms?: readonly RoomRow[];
  paths?: readonly RoomPathRow[];
  accounts?: readonly AccountRow[];
  elsewhere?: readonly CoveredElsewhere[];
}

/** A row's expectations per kind as a lookup. */
export function expectedOutcome(
  row: Pick<RoomRow, "open" | "closed" | "serverAdmin">,
  kind: RoomKind,
  actor: Caller,
): Outcome {
  if (actor === SERVER_ADMIN) return row.serverAdmin?.[kind] ?? expectedOutcome(row, kind, "nonMember");
  const line = kind === "open" ? row.open : row.closed;
  return line[ROOM_ACTORS.indexOf(actor)] as Outcome;
}
