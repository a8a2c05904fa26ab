import { rest } from "./rest.js";

/** A room as the API answers it. */
export interface RoomBody {
  id: string;
  name: string;
  open: boolean;
  kind: "room" | "direct";
  /** Null for a direct room. */
  ownerId: string | null;
  memberCount: number;
  lastSeq: number;
  /** Slow mode's gap between one member's messages, in seconds; 0 when off. */
  slowModeSeconds: number;
  createdAt: string;
}

/** Creates a room through REST as the holder of `token`; throws unless it is created. */
export async function createRoom(
  baseUrl: string,
  token: string,
  body: { name?: string; open?: boolean; memberIds?: string[] } = {},
): Promise<RoomBody> {
  const res = await rest(baseUrl, "POST", "/rooms", { token, body });
  if (res.status !== 201) throw new Error(`room creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room;
}

/** Joins a room through REST; throws unless it succeeds. */
export async function joinRoom(baseUrl: string, token: string, roomId: string): Promise<RoomBody> {
  const res = await rest(baseUrl, "POST", `/rooms/${roomId}/join`, { token });
  if (res.status !== 200) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room;
}
