// Translations for the page's scripts. The catalogue comes from the template as data
// (<script type="application/json" id="pat-i18n">, never executed), in the shape
// {"locale", "plural_forms", "messages": {msgid: msgstr or [singular, plural, ...]}}.
// Placeholders are Python's %(name)s, so one catalogue serves the server and the page.

let catalog = { locale: "en", plural_forms: 2, messages: {} };

/** Read the catalogue of the page. */
export function load(element = document.getElementById("pat-i18n")) {
  if (!element) return;
  try {
    const data = JSON.parse(element.textContent);
    if (data && typeof data === "object" && data.messages) catalog = { locale: "en", plural_forms: 2, ...data };
  } catch {
    // A broken catalogue: English, as written.
  }
}

/** The page's locale, as a BCP 47 tag for Intl ("pt_BR" becomes "pt-BR"). */
export function locale() {
  return String(catalog.locale || "en").replace("_", "-");
}

export function gettext(msgid) {
  const found = catalog.messages[msgid];
  if (typeof found === "string" && found) return found;
  if (Array.isArray(found) && found[0]) return found[0];
  return msgid;
}

export function ngettext(singular, plural, n) {
  const found = catalog.messages[singular];
  let rule;
  try {
    rule = new Intl.PluralRules(locale()).select(n);
  } catch {
    rule = new Intl.PluralRules("en").select(n);
  }
  if (Array.isArray(found) && found.length) {
    const text = found.length === 1 || rule === "one" ? found[0] : found[Math.min(found.length - 1, 1)];
    if (text) return text;
  }
  return n === 1 ? singular : plural;
}

/** Put `values` into `text` in place of its %(name)s placeholders. */
export function interpolate(text, values = {}) {
  return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

load();
