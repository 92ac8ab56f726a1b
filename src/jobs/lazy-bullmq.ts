import { createRequire } from 'node:module';
import type * as Bullmq from 'bullmq';
import type * as IORedis from 'ioredis';

const requireFromHere = createRequire(import.meta.url);

/** BullMQ, loaded on first use: a gateway without REDIS_URL never loads it (start-up time and memory). */
export const bullmq = (): typeof Bullmq => requireFromHere('bullmq');
/** ioredis, loaded on first use, for the same reason. */
export const ioredis = (): typeof IORedis => requireFromHere('ioredis');
