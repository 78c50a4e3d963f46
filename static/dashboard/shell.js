// What every signed-in page shares: the session, who the user is (one /me/ request), the business
// switcher, navigation by role, signing out, the language switch, and the offline banner.
import { api, ApiError, OfflineError } from "./api.js";
import { signOut } from "./auth.js";
import { t } from "./i18n.js";

const RANK = { staff: 1, manager: 2, owner: 3 };

export function roleAllows(role, minimum) {
  return (RANK[role] || 0) >= (RANK[minimum] || 99);
}

export function toSignIn() {
  if (document.body.dataset.signingOut) return;
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`${document.body.dataset.signinUrl}?next=${next}`);
}

function languageSwitch() {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
}

function connectionBanner() {
  const banner = document.querySelector("[data-widget=connection]");
  if (!banner) return;
  const update = () => {
    banner.hidden = navigator.onLine;
    banner.textContent = navigator.onLine ? "" : t("offline");
  };
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
}

function fillChrome(me, businessId) {
  const membership = me.memberships.find((m) => m.business_id === businessId) || null;
  const name = document.querySelector("[data-widget=user-name]");
  if (name) name.textContent = [me.first_name, me.last_name].join(" ").trim() || me.username;
  const label = document.querySelector("[data-widget=business-name]");
  if (label && membership && me.memberships.length === 1) label.textContent = membership.business_name;

  const switcher = document.querySelector("[data-widget=business-switcher]");
  if (switcher && me.memberships.length > 1) {
    const select = switcher.querySelector("select");
    if (!membership) select.append(new Option(t("choose_business"), "", true, true));
    for (const m of me.memberships) {
      select.append(new Option(m.business_name, String(m.business_id), false, m.business_id === businessId));
    }
    select.addEventListener("change", () => {
      if (!select.value) return;
      const rest = location.pathname.replace(/^\/app\/b\/\d+\//, "");
      const target = businessId && rest !== location.pathname ? rest : "";
      location.assign(`/app/b/${select.value}/${target}`);
    });
    switcher.hidden = false;
  }

  const nav = document.querySelector("[data-widget=nav]");
  if (nav && membership) {
    nav.querySelectorAll("[data-min-role]").forEach((item) => {
      item.hidden = !roleAllows(membership.role, item.dataset.minRole);
    });
    nav.hidden = false;
  }
  return membership;
}

async function whoAmI() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api("me/");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        toSignIn();
        return new Promise(() => {}); // the page is going away
      }
      if (!(error instanceof OfflineError) || attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 10_000)));
    }
  }
}

// Resolves to {me, businessId, membership} once the user is known (or never: off to sign in).
export async function start() {
  languageSwitch();
  connectionBanner();
  document.querySelectorAll("[data-action=sign-out]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      document.body.dataset.signingOut = "true"; // widgets failing meanwhile must not send us to sign in
      await signOut();
      location.assign(document.body.dataset.signinUrl);
    });
  });
  const businessId = Number(document.body.dataset.businessId) || null;
  const me = await whoAmI();
  const membership = fillChrome(me, businessId);
  return { me, businessId, membership };
}
