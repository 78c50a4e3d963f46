// Every widget shows one of: loading, empty, error, offline, forbidden, not found, or its content.
import { ApiError, OfflineError } from "./api.js";
import { t } from "./i18n.js";

// A widget's own parts: not those of a widget inside it (a panel with its own states on a page).
function own(widget, selector) {
  return [...widget.querySelectorAll(selector)].filter((node) => node.closest("[data-widget]") === widget);
}

export function showState(widget, state, message) {
  const box = own(widget, ".state")[0];
  const ready = own(widget, "[data-ready]");
  if (state === "ready") {
    box.hidden = true;
    ready.forEach((el) => (el.hidden = false));
    widget.removeAttribute("aria-busy");
    return;
  }
  ready.forEach((el) => (el.hidden = true));
  box.hidden = false;
  box.dataset.state = state;
  box.querySelector("[data-state-text]").textContent = message || t(state);
  box.querySelector("[data-action=retry]").hidden = !(state === "error" || state === "offline");
  if (state === "loading") widget.setAttribute("aria-busy", "true");
  else widget.removeAttribute("aria-busy");
}

// What a failed request means for the widget that made it.
export function showFailure(widget, error) {
  if (error instanceof OfflineError) return showState(widget, "offline", t("offline"));
  if (error instanceof ApiError) {
    if (error.status === 401) {
      if (!document.body.dataset.signingOut) {
        const next = encodeURIComponent(location.pathname + location.search);
        location.assign(`${document.body.dataset.signinUrl}?next=${next}`);
      }
      return showState(widget, "error", t("signed_out"));
    }
    if (error.status === 404) return showState(widget, "not-found", t("not_found"));
    if (error.status === 403) return showState(widget, "forbidden", t("forbidden"));
  }
  console.error(error);
  return showState(widget, "error", t("error"));
}

// Load with states: loading first, then ready/empty/failure; the retry button runs it again.
export function loader(widget, load) {
  const run = async () => {
    showState(widget, "loading", t("loading"));
    try {
      await load();
    } catch (error) {
      showFailure(widget, error);
    }
  };
  own(widget, "[data-action=retry]")[0].addEventListener("click", run);
  return run;
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
