// The API client: one request function over core's JSON API (/api/v1). Every answer that is not
// 2xx becomes an ApiError carrying the server's stable `code` (lib/words.js turns codes into the
// portal's own words) and, for a refused field, its path (`field`).

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `The server answered ${status}.`);
    Object.assign(this, { status, code: error?.code || (status === 0 ? 'offline' : 'error'), field: error?.field, details: error || {} });
    this.requiredPlan = error?.required_plan;
  }
}

const OFFLINE = 'Cannot reach SmartPages. Check your connection and try again; nothing you typed is lost.';

// One request. `etag` goes out as If-Match (the editor's writes); the answer's ETag comes back.
// `raw` is a body sent as it is (a picture's bytes).
export async function send(method, path, body, { etag, raw } = {}) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (etag) init.headers['if-match'] = etag;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, { code: 'offline', message: OFFLINE });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.error);
  return { data, etag: res.headers.get('etag') };
}

export async function api(method, path, body) {
  return (await send(method, path, body)).data;
}

// A file the API makes (the account export), as a Blob; errors as ApiError like any request.
export async function download(path) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError(0, { code: 'offline', message: OFFLINE });
  }
  if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => null))?.error);
  return res.blob();
}
