// Translations for the page's scripts. The catalogue comes from the template as data
// (<script type="application/json" id="pat-i18n">, never executed), in the shape
// {"locale", "plural_forms", "messages": {msgid: msgstr or [singular, plural, ...]}}.
// Placeholders are Python's %(name)s, so one catalogue serves the server and the page.
// Call gettext/ngettext with literal strings: pybabel's javascript extractor collects them.

let catalog = { locale: "en", plural_forms: 2, messages: {} };
let rules = null;

/** Read the catalogue of the page (once; later calls are no-ops unless `element` is given). */
export function load(element = document.getElementById("pat-i18n")) {
  if (!element) return;
  try {
    const data = JSON.parse(element.textContent);
    if (data && typeof data === "object" && data.messages) catalog = { locale: "en", plural_forms: 2, ...data };
  } catch {
    // A broken catalogue: English, as written.
  }
  rules = null;
}

/** The page's locale, as a BCP 47 tag for Intl ("pt_BR" becomes "pt-BR"). */
export function locale() {
  return String(catalog.locale || "en").replace("_", "-");
}

function pluralRules() {
  if (!rules) {
    try {
      rules = new Intl.PluralRules(locale());
    } catch {
      rules = new Intl.PluralRules("en");
    }
  }
  return rules;
}

/** Which of a message's plural forms to use for `n`. */
function pluralIndex(n, forms) {
  if (forms <= 1) return 0;
  if (forms === 2) return pluralRules().select(n) === "one" ? 0 : 1;
  // Languages with more forms: CLDR's categories in their usual catalogue order.
  const order = ["one", "few", "many", "other"];
  return Math.min(forms - 1, Math.max(0, order.indexOf(pluralRules().select(n))));
}

export function gettext(msgid) {
  const found = catalog.messages[msgid];
  if (typeof found === "string" && found) return found;
  if (Array.isArray(found) && found[0]) return found[0];
  return msgid;
}

export function ngettext(singular, plural, n) {
  const found = catalog.messages[singular];
  if (Array.isArray(found) && found.length) {
    const text = found[pluralIndex(n, Number(catalog.plural_forms) || found.length)];
    if (text) return text;
  }
  return new Intl.PluralRules("en").select(n) === "one" ? singular : plural;
}

/** Put `values` into `text` in place of its %(name)s placeholders. */
export function interpolate(text, values = {}) {
  return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

load();
