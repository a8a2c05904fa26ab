import { signUp } from "./rest.js";

/** A signed-up user: id, name, password and token. */
export type TestUser = Awaited<ReturnType<typeof signUp>>;

type Tuple<T, N extends number, R extends T[] = []> = R["length"] extends N ? R : Tuple<T, N, [...R, T]>;

/** Signs `count` new users up at once; the answer is typed as a tuple, so destructuring needs no checks. */
export function signUpMany<N extends number>(baseUrl: string, count: N): Promise<Tuple<TestUser, N>> {
  return Promise.all(Array.from({ length: count }, () => signUp(baseUrl))) as Promise<Tuple<TestUser, N>>;
}
