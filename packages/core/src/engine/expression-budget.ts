import { buildError, depthError, timeoutError, type ExpressionLimits } from "./expression-limits";

/** How long an evaluation runs on before it lets timers and I/O in (heartbeats, cancels, other runs). */
export const YIELD_EVERY_MS = 5;
/** Entries between two looks at the clock: a clock read per entry would cost the cheap expressions. */
const ENTRIES_PER_TICK = 16;

export type BudgetOptions = {
  /** Aborting stops the evaluation at its next tick (the run was cancelled or timed out). */
  signal?: AbortSignal;
  now?: () => number;
  /** How the evaluation gives way: to the macrotask queue by default. */
  yieldTo?: () => Promise<void>;
};

const toMacrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The state of one evaluation against its limits. Compiled expressions are shared by concurrent evaluations, so
 * each evaluation gets its own budget through its bindings; nothing here is shared between two of them.
 */
export class ExpressionBudget {
  private readonly startedAt: number;
  private lastYield: number;
  private entries = 0;
  private built = 0;
  private sizes: WeakMap<object, number> | null = null;
  private rangeLows: Map<object, number> | null = null;
  private readonly now: () => number;
  private readonly yieldTo: () => Promise<void>;

  constructor(
    readonly limits: ExpressionLimits,
    private readonly options: BudgetOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.yieldTo = options.yieldTo ?? toMacrotasks;
    this.startedAt = this.now();
    this.lastYield = this.startedAt;
  }

  /** JSONata's evaluate entry, at nesting `depth`: a promise when the evaluation should give way first. */
  enter(depth: number): Promise<void> | undefined {
    if (depth > this.limits.maxDepth) throw depthError(this.limits);
    if (++this.entries % ENTRIES_PER_TICK !== 0) return undefined;
    return this.tick();
  }

  /** Checks the clock and the signal; yields once YIELD_EVERY_MS passed since the last time. */
  tick(): Promise<void> | undefined {
    const reason: unknown = this.options.signal?.aborted === true ? this.options.signal.reason : undefined;
    if (reason !== undefined) throw reason instanceof Error ? reason : new Error("aborted");
    const now = this.now();
    if (now - this.startedAt > this.limits.timeoutMs) throw timeoutError(this.limits);
    if (now - this.lastYield < YIELD_EVERY_MS) return undefined;
    return this.yieldTo().then(() => {
      this.lastYield = this.now();
    });
  }

  /**
   * A range operand's value, before JSONata builds the range in one step: its size may not pass the room left,
   * nor a tenth of EXPRESSION_MAX_BUILD (one loop that long would hold the event loop). Ranges of one node
   * evaluated side by side keep the lowest start seen, so the check errs on the large side.
   */
  rangeOperand(range: object, side: "lhs" | "rhs", value: number): void {
    const lows = (this.rangeLows ??= new Map());
    if (side === "lhs") {
      lows.set(range, Math.min(value, lows.get(range) ?? value));
      return;
    }
    const size = value - (lows.get(range) ?? value) + 1;
    if (size > Math.min(this.room(), this.limits.maxBuild / 10)) throw buildError(this.limits);
  }

  /** Elements the evaluation may still build. */
  room(): number {
    return this.limits.maxBuild - this.built;
  }

  /** Throws before a step that would build `elements` more than the budget has left. */
  assertRoom(elements: number): void {
    if (elements > this.room()) throw buildError(this.limits);
  }

  /** Counts `elements` newly built. */
  charge(elements: number): void {
    this.built += elements;
    if (this.built > this.limits.maxBuild) throw buildError(this.limits);
  }

  /**
   * Counts a value an expression step produced: a string's characters, an array's or object's own slots, and
   * checks its whole size (parts shared by reference count every time they appear, as any reader sees them).
   */
  record(value: unknown, isNew: boolean): void {
    if (typeof value === "string") {
      if (isNew) this.charge(value.length);
      return;
    }
    if (typeof value !== "object" || value === null) return;
    this.sizeOf(value);
    if (isNew) this.charge(Array.isArray(value) ? value.length : Object.keys(value).length);
  }

  /** The elements in `value` (its tree size), each distinct object measured once per evaluation. */
  sizeOf(value: unknown): number {
    if (typeof value === "string") return value.length + 1;
    if (typeof value !== "object" || value === null || isJsonataFunction(value)) return 1;
    const sizes = (this.sizes ??= new WeakMap());
    const known = sizes.get(value);
    if (known !== undefined) return known;
    let size = 1;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        size += this.sizeOf(item);
        if (size > this.limits.maxBuild) throw buildError(this.limits);
      }
    } else {
      for (const key of Object.keys(value)) {
        size += key.length + this.sizeOf((value as Record<string, unknown>)[key]);
        if (size > this.limits.maxBuild) throw buildError(this.limits);
      }
    }
    sizes.set(value, size);
    return size;
  }
}

/** JSONata's lambdas and built-in functions: objects holding an environment, not data. */
export function isJsonataFunction(value: object): boolean {
  const v = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return v._jsonata_lambda === true || v._jsonata_function === true;
}
