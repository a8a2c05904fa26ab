/** How one call of a tRPC HTTP batch ended: its result data, or the error code natter answered. */
export type BatchOutcome = { ok: true; data: any } | { ok: false; code: string };

/**
 * Sends one tRPC HTTP batch request (`POST /trpc/a,a,…?batch=1`) calling the mutation `path`
 * once per input, as a hostile client packs many calls into one request.
 */
export async function mutationBatch(
  baseUrl: string,
  path: string,
  inputs: readonly unknown[],
  token?: string,
): Promise<BatchOutcome[]> {
  const response = await fetch(`${baseUrl}/trpc/${inputs.map(() => path).join(",")}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(Object.fromEntries(inputs.map((input, i) => [i, input]))),
  });
  const answers = (await response.json()) as Array<{
    result?: { data: unknown };
    error?: { data?: { error?: { code: string } } };
  }>;
  return answers.map((answer) =>
    answer.result
      ? { ok: true, data: answer.result.data }
      : { ok: false, code: answer.error?.data?.error?.code ?? "?" },
  );
}
