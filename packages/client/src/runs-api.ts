import type {
  CancelRunInput,
  DispatchFields,
  DispatchRunFields,
  ExecutionHistory,
  RetryRunInput,
  Run,
  RunFilters,
  RunStep,
} from "./api-types";
import type { Http } from "./http-transport";
import { everyPage } from "./pages";
import type { RunEvent } from "./run-event";
import { streamRunEvents, type RunEventsOptions } from "./run-events";
import { WaitTimeoutError } from "./switchyard-error";
import type { CallOptions } from "./workflows-api";

export type WaitOptions = {
  /** Reject with a `WaitTimeoutError` when the run has not ended this long after the call; no bound by default. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called with each event while waiting (status changes, steps, log lines). */
  onEvent?: ((event: RunEvent) => void) | undefined;
};

export type TriggerOptions = DispatchRunFields &
  DispatchFields &
  CallOptions & {
    /** Wait for the run's end (through its event stream) and answer the ended run: `true`, or a bound in ms. */
    wait?: boolean | number;
    onEvent?: WaitOptions["onEvent"];
  };

export type RunPage = { runs: Run[]; next_cursor: string | null };
/** `cursor`: start from this page (an earlier page's `next_cursor`). */
export type ListRunsOptions = CallOptions & { cursor?: string | undefined };

const at = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

export function createRunsApi(http: Http) {
  const get = async <T>(path: string, opts?: CallOptions) => (await http.request<T>("GET", path, opts)).body;
  const send = async <T>(method: string, path: string, body: unknown, opts?: CallOptions) =>
    (await http.request<T>(method, path, { ...opts, body })).body;

  const getRun = (id: string, opts?: CallOptions) => get<Run>(at(id), opts);

  const wait = async (id: string, opts: WaitOptions = {}): Promise<Run> => {
    const timeout = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
    const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
    try {
      for await (const event of streamRunEvents(http, id, { signal })) opts.onEvent?.(event);
    } catch (err) {
      if (timeout?.aborted === true && opts.signal?.aborted !== true) throw new WaitTimeoutError(id, opts.timeoutMs!);
      throw err;
    }
    return getRun(id, { signal: opts.signal });
  };

  const page = async (filters: RunFilters = {}, opts: ListRunsOptions = {}): Promise<RunPage> => {
    const { cursor, ...call } = opts;
    const answer = await http.request<Run[]>("GET", "/api/runs", { ...call, query: { ...filters, cursor } });
    return { runs: answer.body, next_cursor: answer.headers.get("x-next-cursor") };
  };

  return {
    /**
     * A manual dispatch of one run of the workflow (UUID or handle) with `input` as its input_payload. With `wait`,
     * answers the run once it has ended (its `output_payload` holds the result).
     */
    async trigger(ref: string, input: Record<string, unknown> = {}, options: TriggerOptions = {}): Promise<Run> {
      const { wait: waitFor, onEvent, signal, timeoutMs, label, actor, ...run } = options;
      const [created] = await send<Run[]>(
        "POST",
        "/api/triggers/manual/dispatch",
        {
          workflow_id: ref,
          runs: [{ ...run, input_payload: input }],
          ...(label !== undefined && { label }),
          ...(actor !== undefined && { actor }),
        },
        { signal, timeoutMs },
      );
      if (waitFor === undefined || waitFor === false) return created!;
      return wait(created!.id, { timeoutMs: waitFor === true ? undefined : waitFor, signal, onEvent });
    },

    get: getRun,

    /** One page of `GET /api/runs` (newest first) and the cursor of the next, null on the last. */
    page,

    /** Every page of `GET /api/runs` matching `filters`, fetched as the loop asks for them. */
    list: (filters: RunFilters = {}, opts: ListRunsOptions = {}): AsyncGenerator<RunPage, void, undefined> =>
      everyPage((cursor) => page(filters, { ...opts, cursor }), opts.cursor),

    /** The run's live events (see `streamRunEvents`): history first, then as they happen, `end` last. */
    events: (id: string, opts?: RunEventsOptions) => streamRunEvents(http, id, opts),

    /** Resolves with the run once it has succeeded, failed or been cancelled. */
    wait,

    cancel: (id: string, body: CancelRunInput = {}, opts?: CallOptions) =>
      send<Run>("POST", `${at(id)}/cancel`, body, opts),
    /** A new run with the same version and input (`retry_of` set): for a failed or cancelled run. */
    retry: (id: string, body: RetryRunInput = {}, opts?: CallOptions) =>
      send<Run>("POST", `${at(id)}/retry`, body, opts),
    /** Resumes a run waiting on `wait_for_signal` named `name`, with `payload` as that node's output. */
    signal: (id: string, name: string, payload: unknown = {}, opts?: CallOptions) =>
      send<Run>("POST", `${at(id)}/signals/${encodeURIComponent(name)}`, payload, opts),
    /** Every stored step of the run, every attempt, in execution order. */
    steps: (id: string, opts?: CallOptions) => get<RunStep[]>(`${at(id)}/steps`, opts),
    /** Orcheo's execution history of the run. */
    history: (id: string, opts?: CallOptions) =>
      get<ExecutionHistory>(`/api/executions/${encodeURIComponent(id)}/history`, opts),
  };
}

export type RunsApi = ReturnType<typeof createRunsApi>;
