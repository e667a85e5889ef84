/**
 * A count of bytes shared by everything in one process that holds them: the response bodies `http.request` is
 * reading. Taking never waits: a caller refused gives up what it holds (its node fails), so the others finish.
 */
export type ByteBudget = {
  readonly capacity: number;
  inUse: () => number;
  /** One holder's share: what it took comes back at `release` (once, however often it is called). */
  lease: () => ByteLease;
};

export type ByteLease = {
  /** Reserves `bytes` when they fit; false (and nothing reserved) when they do not. */
  take: (bytes: number) => boolean;
  release: () => void;
};

export function createByteBudget(capacity: number): ByteBudget {
  let used = 0;
  return {
    capacity,
    inUse: () => used,
    lease: () => {
      let held = 0;
      return {
        take: (bytes) => {
          if (used + bytes > capacity) return false;
          used += bytes;
          held += bytes;
          return true;
        },
        release: () => {
          used -= held;
          held = 0;
        },
      };
    },
  };
}
