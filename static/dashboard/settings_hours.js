// The weekly opening hours as an editable week: each day's periods (opens, closes; a close before the
// open runs past midnight), add and remove, saved as one week (PUT). Overlaps are the API's to refuse;
// its sentence shows above the week and nothing is saved.
import { api } from "./api.js";
import { submitting } from "./forms.js";
import { language, t } from "./i18n.js";
import { el, showState } from "./widget.js";

function dayName(weekday) {
  // 2024-01-01 was a Monday (weekday 0 in the API)
  const name = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + weekday)));
  return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
}

function periodRow(weekday, period) {
  const name = dayName(weekday);
  const opens = el("input", { type: "time", name: "opens_at", value: period.opens_at, required: true, "aria-label": t("hours_opens", { day: name }) });
  const closes = el("input", { type: "time", name: "closes_at", value: period.closes_at, required: true, "aria-label": t("hours_closes", { day: name }) });
  const overnight = el("span", { class: "overnight" });
  const mark = () => (overnight.textContent = opens.value && closes.value && closes.value <= opens.value ? t("hours_next_day") : "");
  opens.addEventListener("input", mark);
  closes.addEventListener("input", mark);
  mark();
  return el(
    "div",
    { class: "period", "data-period": "" },
    opens,
    el("span", { "aria-hidden": "true", text: "–" }),
    closes,
    overnight,
    el("button", { type: "button", class: "button button-small button-quiet", "data-action": "remove-period", "aria-label": t("hours_remove", { day: name }), text: t("remove") }),
  );
}

function dayRow(weekday, periods) {
  const list = el("div", { class: "periods", "data-periods": "" }, ...periods.map((p) => periodRow(weekday, p)));
  const closed = el("span", { class: "closed", text: t("hours_closed"), hidden: periods.length > 0 });
  return el(
    "div",
    { class: "week-day", "data-weekday": String(weekday) },
    el("span", { class: "week-day-name", text: dayName(weekday) }),
    el(
      "div",
      {},
      list,
      el("div", {}, closed, el("button", { type: "button", class: "button button-small", "data-action": "add-period", "aria-label": t("hours_add", { day: dayName(weekday) }), text: t("hours_add_short") })),
    ),
  );
}

// The API's overlap sentence names both periods ("Tuesday 19:00-23:00 overlaps Tuesday 19:00-23:00."):
// the rows it names turn red, so the owner sees which ones to fix.
function markOverlaps(week, text) {
  for (const [, day, opens, closes] of text.matchAll(/(\p{L}+) (\d\d:\d\d)-(\d\d:\d\d)/gu)) {
    week.querySelectorAll("[data-weekday]").forEach((row) => {
      if (dayName(Number(row.dataset.weekday)).toLocaleLowerCase(language) !== day.toLocaleLowerCase(language)) return;
      row.querySelectorAll("[data-period]").forEach((period) => {
        const o = period.querySelector("[name=opens_at]");
        const c = period.querySelector("[name=closes_at]");
        if (o.value === opens && c.value === closes) {
          period.classList.add("period-invalid");
          o.setAttribute("aria-invalid", "true");
          c.setAttribute("aria-invalid", "true");
        }
      });
    });
  }
}

export async function hoursWidget(widget, base) {
  const form = widget.querySelector("form");
  const week = form.querySelector("[data-week]");
  const render = (periods) =>
    week.replaceChildren(...[0, 1, 2, 3, 4, 5, 6].map((d) => dayRow(d, periods.filter((p) => p.weekday === d))));
  render((await api(`${base}hours/`)).periods);

  week.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const day = button.closest("[data-weekday]");
    const list = day.querySelector("[data-periods]");
    if (button.dataset.action === "add-period") {
      const last = list.lastElementChild;
      const guess = last ? { opens_at: "19:00", closes_at: "23:00" } : { opens_at: "12:00", closes_at: "15:00" };
      const row = periodRow(Number(day.dataset.weekday), guess);
      list.append(row);
      row.querySelector("input").focus();
    } else if (button.dataset.action === "remove-period") {
      button.closest("[data-period]").remove();
      day.querySelector("[data-action=add-period]").focus();
    }
    day.querySelector(".closed").hidden = list.children.length > 0;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const periods = [...week.querySelectorAll("[data-period]")].map((row) => ({
      weekday: Number(row.closest("[data-weekday]").dataset.weekday),
      opens_at: row.querySelector("[name=opens_at]").value,
      closes_at: row.querySelector("[name=closes_at]").value,
    }));
    week.querySelectorAll(".period-invalid").forEach((row) => row.classList.remove("period-invalid"));
    const saved = await submitting(form, () => api(`${base}hours/`, { method: "PUT", body: { periods } }));
    if (saved) render(saved.periods);
    else markOverlaps(week, form.querySelector("[data-form-error]").textContent);
  });
  showState(widget, "ready");
}
