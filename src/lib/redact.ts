/**
 * A request path as it may be logged: the link token in `/link/{token}…` is a bearer capability for a
 * pending link flow, so it is replaced before the path reaches any log.
 */
export function loggablePath(path: string): string {
  return path.replace(/^(\/link\/)[^/]+/, '$1{token}');
}
