import { SessionError, signIn } from "./auth.js";
import { t } from "./i18n.js";

const form = document.querySelector("[data-widget=signin]");
const error = form.querySelector("[data-form-error]");
const button = form.querySelector("button[type=submit]");

function safeNext() {
  const next = new URLSearchParams(location.search).get("next") || "";
  // only a path of ours: never an absolute or protocol-relative URL
  return /^\/app\/[^/\\]/.test(next) || next === "/app/" ? next : document.body.dataset.homeUrl;
}

function fail(message) {
  error.textContent = message;
  error.hidden = false;
  button.disabled = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    fail(t("bad_credentials"));
    (username ? form.password : form.username).focus();
    return;
  }
  button.disabled = true;
  try {
    await signIn(username, password);
    location.assign(safeNext());
  } catch (e) {
    if (e instanceof SessionError && e.status === 401) fail(t("bad_credentials"));
    else if (e instanceof SessionError && e.status === 429) fail(t("throttled"));
    else if (e instanceof SessionError && e.status === 400) fail(t("bad_credentials"));
    else fail(navigator.onLine ? t("error") : t("offline"));
    form.password.select();
  }
});
button.disabled = false; // the page is ready: signing in goes through this script only
form.username.focus();
