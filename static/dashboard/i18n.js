// Sentences translated by Django (dashboard/strings.py), handed over in the page; %(name)s placeholders.
const strings = JSON.parse(document.getElementById("panbot-strings").textContent);

export function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

export const language = document.documentElement.lang || "en";
