import { rest } from "../harness/index.js";

/**
 * Every id a search finds, newest first, paging to the end (`sort=recent`, 50 a page); throws
 * on any answer but 200, naming the query.
 */
export async function searchIds(
  url: string,
  token: string | undefined,
  params: Record<string, string>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const query = new URLSearchParams({ ...params, sort: "recent", limit: "50", ...(cursor && { cursor }) });
    const res = await rest(url, "GET", `/search/messages?${query}`, { token });
    if (res.status !== 200) {
      throw new Error(`search ${JSON.stringify(params)}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    ids.push(...res.body.results.map((hit: { message: { id: string } }) => hit.message.id));
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) return ids;
  }
  throw new Error("too many pages");
}
