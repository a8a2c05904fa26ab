/** A REST answer: status, headers and parsed JSON body. */
export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RestOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls a REST path of a running server over real HTTP. */
export async function rest<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  { token, body, headers = {} }: RestOptions = {},
): Promise<RestResponse<T>> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(body !== undefined && { "content-type": "application/json" }),
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

let counter = 0;

/** A username no other test in this process has used. */
export function uniqueUsername(prefix = "user"): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** Signs a new user up through REST; returns its id, name and token. */
export async function signUp(baseUrl: string, username = uniqueUsername(), password = "correct horse battery") {
  const res = await rest(baseUrl, "POST", "/users", { body: { username, password } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id as string, username, password, token: res.body.token as string };
}
