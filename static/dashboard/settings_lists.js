// The settings that are lists: closures (add, remove), FAQ entries (add, edit, delete) and, for owners,
// the people of the business (add by username or e-mail with a role, change role, remove).
import { api, apiAll } from "./api.js";
import { clearErrors, showErrors, submitting } from "./forms.js";
import { language, t } from "./i18n.js";
import { el, showState } from "./widget.js";

const ROLES = ["staff", "manager", "owner"];

function longDate(iso) {
  return new Intl.DateTimeFormat(language, { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(
    new Date(`${iso}T12:00:00Z`),
  );
}

function failure(error) {
  if (!error.status) return t("offline");
  const body = error.body || {};
  const sentences = Object.entries(body)
    .filter(([key]) => key !== "code")
    .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
    .filter((v) => typeof v === "string");
  return sentences.join(" ") || error.message;
}

export async function closuresWidget(widget, base) {
  const list = widget.querySelector("[data-list]");
  const form = widget.querySelector("[data-add]");
  let closures = await apiAll(`${base}closures/`);
  const render = () => {
    closures.sort((a, b) => a.date.localeCompare(b.date));
    list.replaceChildren(
      ...(closures.length
        ? closures.map((c) =>
            el(
              "li",
              { "data-closure-id": c.id },
              el("span", {}, el("strong", { text: longDate(c.date) }), c.reason ? el("span", { class: "muted", text: ` · ${c.reason}` }) : null),
              el("button", { type: "button", class: "button button-small button-reject", "data-action": "remove", "aria-label": `${t("remove")}: ${longDate(c.date)}`, text: t("remove") }),
            ),
          )
        : [el("li", { class: "muted", text: t("no_closures") })]),
    );
  };
  render();
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=remove]");
    if (!button) return;
    const id = Number(button.closest("li").dataset.closureId);
    button.disabled = true;
    try {
      await api(`${base}closures/${id}/`, { method: "DELETE" });
      closures = closures.filter((c) => c.id !== id);
      render();
      form.date.focus();
    } catch (error) {
      button.disabled = false;
      showErrors(form, error);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { date: form.date.value, reason: form.reason.value.trim() };
    const made = await submitting(form, () => api(`${base}closures/`, { method: "POST", body }));
    if (!made) return;
    closures = [...closures.filter((c) => c.id !== made.id && c.date !== made.date), made];
    form.reset();
    render();
  });
  showState(widget, "ready");
}

function faqForm(entry) {
  const id = entry ? entry.id : "new";
  const field = (name, label, control) =>
    el("div", { class: "field" }, el("label", { for: `q-${id}-${name}`, text: label }), control, el("p", { class: "field-error", "data-error-for": name }));
  return el(
    "form",
    { "data-faq-form": "", novalidate: true },
    el("div", { class: "form-error", "data-form-error": "", role: "alert", tabindex: "-1", hidden: true }),
    field("question", t("faq_question"), el("input", { id: `q-${id}-question`, name: "question", maxlength: "300", value: entry.question })),
    field("answer", t("faq_answer"), (() => {
      const area = el("textarea", { id: `q-${id}-answer`, name: "answer", rows: "3" });
      area.value = entry.answer;
      return area;
    })()),
    el(
      "div",
      { class: "field field-check" },
      el("input", { id: `q-${id}-is_active`, name: "is_active", type: "checkbox", checked: entry.is_active }),
      el("label", { for: `q-${id}-is_active`, text: t("faq_active") }),
    ),
    el(
      "div",
      { class: "form-actions" },
      el("button", { type: "submit", class: "button button-primary", text: t("save") }),
      el("button", { type: "button", class: "button button-reject", "data-action": "delete", text: t("delete") }),
      el("span", { class: "save-status", "data-save-status": "", role: "status", "aria-live": "polite" }),
    ),
  );
}

export async function faqWidget(widget, base) {
  const list = widget.querySelector("[data-list]");
  const add = widget.querySelector("[data-add]");
  let entries = await apiAll(`${base}faq/`);
  const item = (entry) =>
    el(
      "li",
      { class: "faq-entry", "data-faq-id": entry.id },
      el(
        "details",
        {},
        el("summary", {}, el("span", { text: entry.question }), entry.is_active ? null : el("span", { class: "badge badge-off", text: t("faq_inactive") })),
        faqForm(entry),
      ),
    );
  const render = () =>
    list.replaceChildren(...(entries.length ? entries.map(item) : [el("li", { class: "muted", text: t("no_faq") })]));
  render();

  list.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const id = Number(form.closest("[data-faq-id]").dataset.faqId);
    const body = { question: form.question.value.trim(), answer: form.answer.value.trim(), is_active: form.is_active.checked };
    const saved = await submitting(form, () => api(`${base}faq/${id}/`, { method: "PATCH", body }));
    if (!saved) return;
    entries = entries.map((e) => (e.id === id ? saved : e));
    const li = form.closest("li");
    li.querySelector("summary").replaceWith(item(saved).querySelector("summary"));
  });
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=delete]");
    if (!button) return;
    const form = button.closest("form");
    const id = Number(button.closest("[data-faq-id]").dataset.faqId);
    if (!window.confirm(t("confirm_delete_faq"))) return;
    button.disabled = true;
    try {
      await api(`${base}faq/${id}/`, { method: "DELETE" });
      entries = entries.filter((e) => e.id !== id);
      render();
    } catch (error) {
      button.disabled = false;
      showErrors(form, error);
    }
  });
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { question: add.question.value.trim(), answer: add.answer.value.trim() };
    const made = await submitting(add, () => api(`${base}faq/`, { method: "POST", body }));
    if (!made) return;
    entries = [...entries, made];
    add.reset();
    add.closest("details").open = false;
    render();
  });
  showState(widget, "ready");
}

function roleSelect(member, label) {
  const select = el("select", { "data-role-select": "", "aria-label": label });
  select.append(...ROLES.map((r) => new Option(t(`role_${r}`), r, false, r === member.role)));
  return select;
}

export async function membersWidget(widget, base, me) {
  const rows = widget.querySelector("[data-rows]");
  const add = widget.querySelector("[data-add]");
  const listError = widget.querySelector("[data-list-error]");
  add.querySelector("[data-roles]").replaceChildren(...ROLES.map((r) => new Option(t(`role_${r}`), r)));
  let members = await apiAll(`${base}members/`);
  const display = (m) => [m.first_name, m.last_name].join(" ").trim() || m.username;
  const render = () =>
    rows.replaceChildren(
      ...members.map((m) =>
        el(
          "tr",
          { "data-user-id": m.user_id },
          el("td", {}, el("strong", { text: display(m) }), m.user_id === me.id ? el("span", { class: "muted", text: ` (${t("you")})` }) : null,
            display(m) !== m.username ? el("span", { class: "help", text: ` ${m.username}` }) : null),
          el("td", { text: m.email || "—" }),
          el("td", {}, roleSelect(m, t("role_of", { name: display(m) }))),
          el("td", { class: "actions" },
            el("button", { type: "button", class: "button button-small button-reject", "data-action": "remove", "aria-label": t("remove_person", { name: display(m) }), text: t("remove") })),
        ),
      ),
    );
  render();
  const refuse = (error) => {
    listError.textContent = failure(error);
    listError.hidden = false;
  };

  rows.addEventListener("change", async (event) => {
    const select = event.target.closest("[data-role-select]");
    if (!select) return;
    listError.hidden = true;
    const id = Number(select.closest("tr").dataset.userId);
    select.disabled = true;
    try {
      const saved = await api(`${base}members/${id}/`, { method: "PATCH", body: { role: select.value } });
      members = members.map((m) => (m.user_id === id ? saved : m));
      render();
      rows.querySelector(`tr[data-user-id="${id}"] select`).focus();
    } catch (error) {
      render(); // back to the role it has
      refuse(error);
    }
  });
  rows.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=remove]");
    if (!button) return;
    listError.hidden = true;
    const id = Number(button.closest("tr").dataset.userId);
    const member = members.find((m) => m.user_id === id);
    if (!window.confirm(t("confirm_remove_member", { name: display(member) }))) return;
    button.disabled = true;
    try {
      await api(`${base}members/${id}/`, { method: "DELETE" });
      members = members.filter((m) => m.user_id !== id);
      render();
    } catch (error) {
      button.disabled = false;
      refuse(error);
    }
  });
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(add);
    const body = { user: add.user.value.trim(), role: add.role.value };
    const made = await submitting(add, () => api(`${base}members/`, { method: "POST", body }));
    if (!made) return;
    members = [...members.filter((m) => m.user_id !== made.user_id), made];
    add.reset();
    render();
  });
  showState(widget, "ready");
}
