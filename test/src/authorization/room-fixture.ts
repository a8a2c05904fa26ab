import { grantServerAdmin, rest, signUpMany } from "../harness/index.js";
import type { MatrixUser, RoomCell, RoomKind } from "./matrix.js";

/** Signs up the cast every room cell uses; `databaseUrl` is the server's, to make its server admin. */
export async function signUpCast(baseUrl: string, databaseUrl: string): Promise<RoomCell["users"]> {
  const [owner, admin, admin2, member, member2, nonMember, outsider, serverAdmin] = await signUpMany(baseUrl, 8);
  await grantServerAdmin(databaseUrl, serverAdmin.username);
  return { owner, admin, admin2, member, member2, nonMember, outsider, serverAdmin };
}

/** A fresh room of the given kind: the owner, two admins and two members; nobody else. */
export async function freshRoom(baseUrl: string, users: RoomCell["users"], kind: RoomKind): Promise<string> {
  const { owner, admin, admin2, member, member2 } = users;
  const created = await rest(baseUrl, "POST", "/rooms", {
    token: owner.token,
    body: { open: kind === "open", memberIds: [admin.id, admin2.id, member.id, member2.id] },
  });
  if (created.status !== 201) throw new Error(`room creation failed: ${JSON.stringify(created.body)}`);
  const roomId: string = created.body.room.id;
  for (const user of [admin, admin2]) {
    const res = await rest(baseUrl, "PUT", `/rooms/${roomId}/members/${user.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    if (res.status !== 200) throw new Error(`promotion failed: ${JSON.stringify(res.body)}`);
  }
  return roomId;
}

/** The cast member who plays an actor; null for the anonymous caller. */
export function playerOf(users: RoomCell["users"], actor: RoomCell["actor"]): MatrixUser | null {
  return actor === "anonymous" ? null : users[actor];
}
