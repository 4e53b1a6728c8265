// Running a task over items with at most `limit` in flight: with object downloads this bounds
// both the connections and the bytes held in memory, whatever the number of objects.

/** Runs `task` on every item, `limit` at a time; the first failure stops new starts and is thrown. */
export async function forEachConcurrent<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  // allSettled first, so that no task is still running when the error reaches the caller.
  const results = await Promise.allSettled(workers);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
}
