import unhomoglyph from "unhomoglyph";

/**
 * What a username looks like, for uniqueness: two usernames with the same skeleton would be
 * taken for one another, so only the first is accepted. It is the confusable skeleton of
 * Unicode TS #39 (NFD, each character replaced by its prototype from `confusables.txt`, NFD
 * again; the mapping is `unhomoglyph`'s copy of that file), closed under case as usernames are
 * unique regardless of case: the skeleton of the upper-cased name, lower-cased, then the
 * skeleton of that. So `l`, `I`, `i` and `1` are one (`ADMIN` looks like `ADMlN`, and `admin`
 * is `ADMIN`), `O`, `o` and `0` are one, and `rn` is `m`: `admin`, `adrnin`, `ADMlN` and
 * `admln` are one name, taken by whoever came first.
 */
export function usernameSkeleton(username: string): string {
  return skeleton(skeleton(username.toUpperCase()).toLowerCase());
}

function skeleton(text: string): string {
  return unhomoglyph(text.normalize("NFD")).normalize("NFD");
}
