/** The part of `AsyncLocalStorage` the gateway uses. */
export interface AsyncContext<T> {
  run<R>(store: T, callback: () => R): R;
  getStore(): T | undefined;
}

type AsyncHooksModule = { AsyncLocalStorage: new <T>() => AsyncContext<T> };

/**
 * A new `AsyncLocalStorage` where the runtime offers it without an import (Node ≥ 20.16, Workers with
 * nodejs_compat), so runtime-neutral code can use it; undefined elsewhere.
 */
export function newAsyncContext<T>(): AsyncContext<T> | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const hooks = process?.getBuiltinModule?.('node:async_hooks') as AsyncHooksModule | undefined;
  return hooks ? new hooks.AsyncLocalStorage<T>() : undefined;
}
