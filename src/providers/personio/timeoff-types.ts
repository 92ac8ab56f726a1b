import type { TimeoffType } from '../../models/timeoff';
import { ProviderError } from '../errors';
import type { PersonioClient } from './client';
import { mapTimeoffType } from './mappers/timeoff';
import { OffsetPager, START_POSITION, scan } from './offset-pager';
import { TimeOffTypeListSchema } from './timeoff-schemas';

/** Personio's documented default page size for `GET /company/time-off-types`. */
const TIME_OFF_TYPE_PAGE_SIZE = 200;
/** A company has a handful of types; this bound only stops a misbehaving upstream from looping. */
const MAX_TYPE_PAGES = 10;

/** Every time-off type of the company (all pages), in Personio's order. */
export async function listTimeoffTypes(
  client: PersonioClient,
  options: { includeRemoteData: boolean },
): Promise<TimeoffType[]> {
  const pager = new OffsetPager(
    async (offset, limit) => {
      const page = await client.get(
        '/company/time-off-types',
        [
          ['limit', String(limit)],
          ['offset', String(offset)],
        ],
        TimeOffTypeListSchema,
      );
      // This endpoint sends no pagination metadata.
      return { records: page!.data, total: null };
    },
    (raw) => String(raw.attributes.id),
    TIME_OFF_TYPE_PAGE_SIZE,
  );
  const result = await scan(pager, START_POSITION, Number.POSITIVE_INFINITY, () => true, {
    pages: MAX_TYPE_PAGES,
  });
  if (result.next) {
    throw new ProviderError('bad_response', 'Personio listed more time-off types than the gateway reads.', {
      details: { pages_read: MAX_TYPE_PAGES },
    });
  }
  return result.matched.map((raw) => mapTimeoffType(raw, options));
}
