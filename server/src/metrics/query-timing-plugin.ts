import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

/** Where a query's start is kept: on its own id object, which lives exactly as long as the query. */
const STARTED = Symbol("natter.queryStarted");

type TimedQueryId = QueryId & { [STARTED]?: number };

/**
 * Times every query Kysely runs, from the moment it is compiled to its result. A query that
 * fails is not timed (its start goes with its id, which nothing else holds on to).
 *
 * The start is a property of the query's id, not an entry of a WeakMap keyed by it: every
 * query of a send (six) made a WeakMap entry whose key died young, and V8 keeps such entries
 * as ephemerons, each with a write barrier and a pass of its own in every young-generation
 * collection.
 */
export class QueryTimingPlugin implements KyselyPlugin {
  constructor(private readonly observe: (seconds: number) => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    (args.queryId as TimedQueryId)[STARTED] = performance.now();
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = (args.queryId as TimedQueryId)[STARTED];
    if (started !== undefined) this.observe((performance.now() - started) / 1000);
    return args.result;
  }
}
