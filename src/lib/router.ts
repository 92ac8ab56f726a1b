import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context';
import { ApiError, validationDetails } from '../errors';

/**
 * Every router gets the hook that turns request validation failures into the error envelope;
 * a parent's `defaultHook` is not inherited by routers mounted with `app.route()`.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const details = validationDetails(result.error.issues);
        const first = details[0];
        throw new ApiError(
          'invalid_request',
          first
            ? `Invalid ${result.target} parameter \`${first.field ?? '?'}\`: ${first.message}`
            : 'Invalid request.',
          { details },
        );
      }
    },
  });
}
