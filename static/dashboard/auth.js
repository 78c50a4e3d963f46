// The session: the access token lives in this module's memory only; the refresh token is an HttpOnly
// cookie (scoped to /app/session/) this script never sees. A page load trades the cookie for an access
// token (the server does not rotate it: dashboard/session.py says why); a 401 or an access token about
// to expire trades it again, one request at a time.

const SESSION = "/app/session/";
const HEADERS = { "Content-Type": "application/json", "X-PanBot-Session": "1" };

let access = null;
let inflight = null;

export class SessionError extends Error {
  constructor(status, code, detail, fields) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

async function post(path, body) {
  const response = await fetch(SESSION + path, {
    method: "POST",
    headers: HEADERS,
    credentials: "same-origin",
    body: JSON.stringify(body || {}),
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new SessionError(response.status, data.code, data.detail, data);
  return data;
}

export async function signIn(username, password) {
  const data = await post("login/", { username, password });
  access = data.access;
  return claims();
}

// A fresh access token from the cookie; one request at a time per tab, one tab at a time.
export function refresh() {
  if (!inflight) {
    inflight = post("refresh/")
      .then((data) => {
        access = data.access;
        return access;
      })
      .finally(() => {
        inflight = null;
      });
  }
  return inflight;
}

export async function accessToken() {
  if (access && !expiresSoon()) return access;
  return refresh();
}

export async function signOut() {
  access = null;
  try {
    await post("logout/");
  } catch (error) {
    // offline or already signed out: the cookie goes with the next successful call
  }
}

export function forget() {
  access = null;
}

function decode(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(
    Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
  );
  return JSON.parse(json);
}

// The access token's claims: user_id, memberships {business_id: role}, exp. Display only; the API decides.
export function claims() {
  return access ? decode(access) : null;
}

function expiresSoon() {
  const c = claims();
  return !c || c.exp * 1000 - Date.now() < 30_000;
}
