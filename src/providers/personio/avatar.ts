import { ApiError } from '../../errors';
import type { EmployeeAvatar } from '../types';
import type { PersonioClient } from './client';
import { upstreamError } from './errors';

const PERSONIO_ID = /^[1-9]\d{0,15}$/;
/** What a picture's answer may carry to the caller: its content and how it may be cached. */
const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'cache-control',
  'etag',
  'last-modified',
  'expires',
];
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since'];

/**
 * `GET /company/employees/{id}/profile-picture/{width}`, streamed. Personio answers 404 both when the
 * employee has no picture and when the credential may not read `profile_picture`: either way, no picture.
 */
export async function getEmployeeAvatar(
  client: PersonioClient,
  id: string,
  options: { width: number; conditional: Headers },
): Promise<EmployeeAvatar | null> {
  if (!PERSONIO_ID.test(id)) return null;
  const headers = new Headers({ accept: 'image/*' });
  for (const name of CONDITIONAL_HEADERS) {
    const value = options.conditional.get(name);
    if (value) headers.set(name, value);
  }
  const response = await client.send({
    method: 'GET',
    url: new URL(`${client.baseUrl}/company/employees/${id}/profile-picture/${options.width}`),
    headers,
    body: null,
    retry: true,
  });
  if (response.status === 404) {
    await response.discard();
    return null;
  }
  const passed = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = response.headers.get(name);
    if (value) passed.set(name, value);
  }
  if (response.status === 304) {
    await response.discard();
    return { notModified: true, headers: passed, body: null };
  }
  if (response.status !== 200) {
    const text = await response.text().catch(() => '');
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {}
    throw upstreamError(response.status, body, response.headers);
  }
  if (!/^image\//i.test(passed.get('content-type') ?? '')) {
    await response.discard();
    throw new ApiError('provider_error', 'Personio sent a profile picture that is not an image.', {
      details: { upstream_status: response.status },
    });
  }
  return { notModified: false, headers: passed, body: response.stream() };
}
