// The one way pages talk to /api/v1/: the bearer token from auth.js, one retry after a refresh on 401,
// and errors as ApiError (status, code, field errors) or OfflineError when the network is gone.
import { accessToken, refresh, SessionError } from "./auth.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.body = body || {};
  }
}

export class OfflineError extends Error {}

async function send(path, options, token) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch("/api/v1/" + path, {
      method: options.method || "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "omit",
      signal: options.signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new OfflineError(error.message);
  }
}

async function token(force) {
  try {
    return force ? await refresh() : await accessToken();
  } catch (error) {
    if (error instanceof SessionError) throw new ApiError(401, { code: "not_signed_in", detail: error.message });
    throw new OfflineError(error.message);
  }
}

export async function api(path, options = {}) {
  let response = await send(path, options, await token(false));
  if (response.status === 401) response = await send(path, options, await token(true));
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// Every page of a cursor-paginated list (numbers and similar short lists).
export async function apiAll(path) {
  let page = await api(path);
  const results = [...page.results];
  while (page.next) {
    page = await api(page.next.replace(/^.*\/api\/v1\//, ""));
    results.push(...page.results);
  }
  return results;
}

// A file the API answers (a CSV export) as a Blob, with the same token handling; never a token in a URL.
export async function apiBlob(path) {
  const options = {};
  let response = await send(path, options, await token(false));
  if (response.status === 401) response = await send(path, options, await token(true));
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response.blob();
}
