// The landing page: one business goes straight to its first page; several are listed to choose from.
import { t } from "./i18n.js";
import { start } from "./shell.js";
import { el, loader, showState } from "./widget.js";

const widget = document.querySelector("[data-widget=businesses]");
const list = widget.querySelector("[data-list]");

export function firstPage(membership) {
  const base = `/app/b/${membership.business_id}/`;
  return base + (membership.role === "staff" ? "board/" : "today/");
}

const load = loader(widget, async () => {
  const { me } = await start();
  if (me.memberships.length === 0) return showState(widget, "empty", t("no_businesses"));
  if (me.memberships.length === 1) return location.replace(firstPage(me.memberships[0]));
  list.replaceChildren(
    ...me.memberships.map((m) =>
      el(
        "li",
        { class: "card" },
        el("a", { href: firstPage(m), class: "card-link" }, m.business_name),
        el("span", { class: "badge", text: t(`role_${m.role}`) }),
      ),
    ),
  );
  list.hidden = false;
  showState(widget, "ready");
});
load();
