/**
 * Polls `check` until it returns a value (anything but `undefined`) and returns it; throws naming `what`
 * after `timeoutMs`. Generous by default: tests wait on conditions, never on how long something takes.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  pollMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `waitFor` for a yes/no condition. */
export async function waitUntil(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  pollMs = 50,
): Promise<void> {
  await waitFor(async () => ((await condition()) ? true : undefined), what, timeoutMs, pollMs);
}
