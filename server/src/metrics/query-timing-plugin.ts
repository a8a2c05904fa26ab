import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

/**
 * Times every query Kysely runs, from the moment it is compiled to its result. A query that
 * fails is not timed (its start is dropped with its id, which nothing else holds on to).
 */
export class QueryTimingPlugin implements KyselyPlugin {
  readonly #started = new WeakMap<object, number>();

  constructor(private readonly observe: (seconds: number) => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(args.queryId, performance.now());
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = this.#started.get(args.queryId);
    if (started !== undefined) this.observe((performance.now() - started) / 1000);
    return args.result;
  }
}
