/**
 * Reads a table page by page in key order, each page starting after the last key of the one
 * before (keyset paging: every page costs the same however deep it is), until a page comes
 * back short. Yields each page as it is read, so a caller that waits between pages holds one
 * page at a time.
 */
export async function* keysetPages<Row>(
  readPage: (after: string | null, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => string,
  pageSize: number,
): AsyncGenerator<Row[]> {
  let after: string | null = null;
  for (;;) {
    const rows = await readPage(after, pageSize);
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (rows.length < pageSize || last === undefined) return;
    after = keyOf(last);
  }
}
