// The staff live feed client (DESIGN.md "Live feed protocol"; close codes in panbot/feed/codes.py).
// It hands the page a snapshot, then events in commit order, and keeps the last cursor: whatever
// breaks the socket (network, server restart, token expiry, a slow tab), it reconnects with
// ?cursor= and receives exactly what it missed, without a reload.
import { accessToken, forget, refresh, SessionError } from "./auth.js";

const CODES = { NOT_A_MEMBER: 4004, TOKEN_MISSING: 4001, TOKEN_INVALID: 4002, TOKEN_EXPIRED: 4003, REVOKED: 4005 };

export class Feed {
  // handlers: onSnapshot(frame), onEvent(event, frame), onState("connecting"|"live"|"offline"|"no-access"|"signed-out")
  constructor(businessId, handlers) {
    this.businessId = businessId;
    this.handlers = handlers;
    this.cursor = null;
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.timer = null;
    window.addEventListener("online", () => this.reconnectSoon(0));
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = this.cursor ? `?cursor=${encodeURIComponent(this.cursor)}` : "";
    return `${scheme}//${location.host}/ws/v1/businesses/${this.businessId}/feed/${query}`;
  }

  async start() {
    this.stopped = false;
    await this.connect(false);
  }

  async connect(freshToken) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.handlers.onState(this.attempt ? "offline" : "connecting");
    let token;
    try {
      token = freshToken ? await refresh() : await accessToken();
    } catch (error) {
      if (error instanceof SessionError && error.status === 401) return this.stop("signed-out");
      return this.reconnectSoon(); // the network is down: the token request failed too
    }
    const socket = new WebSocket(this.url(), ["panbot.v1", `bearer.${token}`]);
    this.socket = socket;
    // Open means live: a resumed socket (?cursor=) gets the missed events, no snapshot. A refusal opens
    // and closes at once with its code, which `closed` handles.
    socket.onopen = () => {
      this.attempt = 0;
      this.handlers.onState("live");
    };
    socket.onmessage = (message) => this.receive(message);
    socket.onclose = (event) => this.closed(socket, event);
  }

  receive(message) {
    const frame = JSON.parse(message.data);
    if (frame.type === "snapshot") {
      this.handlers.onSnapshot(frame);
    } else if (frame.type === "event") {
      this.handlers.onEvent(frame.event, frame);
    }
    if (frame.cursor) this.cursor = frame.cursor; // after handling: resume from what was handled
  }

  closed(socket, event) {
    if (socket !== this.socket || this.stopped) return;
    this.socket = null;
    if (event.code === CODES.NOT_A_MEMBER) return this.stop("no-access");
    if ([CODES.TOKEN_MISSING, CODES.TOKEN_INVALID, CODES.TOKEN_EXPIRED, CODES.REVOKED].includes(event.code)) {
      forget();
      this.attempt = 1;
      return this.connect(true);
    }
    this.reconnectSoon();
  }

  reconnectSoon(delay) {
    if (this.stopped || (this.socket && delay === undefined)) return;
    if (this.socket && delay === 0) return; // still connected: nothing to do
    this.attempt += 1;
    this.handlers.onState("offline");
    const wait = delay ?? Math.min(500 * 2 ** (this.attempt - 1), 8000);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(false), wait);
  }

  stop(state) {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
    this.handlers.onState(state);
  }
}
