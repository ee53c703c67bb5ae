// The admin inventory (SPEC section 10): every user's tokens, filtered, sorted and paged,
// with the view in the URL's query string, a confirmed Revoke and each token's history.

import { Api } from "./api.js";
import { Modal } from "./dialogs.js";
import { debounce, h, part } from "./dom.js";
import { HistoryDialog } from "./history.js";
import { gettext, interpolate, locale, ngettext } from "./i18n.js";
import { drawIcon } from "./icons.js";
import { actionButton } from "./table.js";
import { applyTheme } from "./theme.js";
import { userRevokeAll } from "./adminusers.js";

const root = document.querySelector('[data-pat="admin-root"]');
// Light or dark as PAT_THEME says, and as the host page looks around it (tokens.css).
applyTheme(root);
const DEFAULTS = { q: "", user: "", status: "", sort: "-created_at", page: 1, perPage: 10 };
const PARAMS = { q: "q", user: "user", status: "status", sort: "sort", page: "page", perPage: "per_page" };
const SORT_KEYS = ["user", "name", "created_at", "expires_at", "last_used_at"];
const STATUSES = JSON.parse(root.dataset.statuses);
const PAGE_SIZES = JSON.parse(root.dataset.pageSizes);
const DAY = 86400000;

const api = new Api(JSON.parse(root.dataset.apiBase), JSON.parse(root.dataset.csrfToken), {
  onSessionEnded: () => window.location.reload(),
  announce: (message) => {
    part(root, "status-message").textContent = message;
  },
});

const el = {
  search: part(root, "search"),
  user: part(root, "user"),
  status: part(root, "status"),
  filters: part(root, "filters"),
  alert: part(root, "alert"),
  message: part(root, "status-message"),
  table: part(root, "table"),
  rows: part(root, "rows"),
  perPage: part(root, "per-page"),
  range: part(root, "range"),
  first: part(root, "first"),
  prev: part(root, "prev"),
  next: part(root, "next"),
  last: part(root, "last"),
  sortButtons: [...root.querySelectorAll('[data-pat="sort"]')],
};

// -- the view in the URL -------------------------------------------------------------------

function readView() {
  const params = new URLSearchParams(window.location.search);
  const view = { ...DEFAULTS };
  const valid = {
    q: () => true,
    user: () => true,
    status: (v) => STATUSES.includes(v),
    sort: (v) => SORT_KEYS.includes(v.replace(/^-/, "")),
    page: (v) => Number.isInteger(v) && v >= 1,
    perPage: (v) => PAGE_SIZES.includes(v),
  };
  for (const [key, name] of Object.entries(PARAMS)) {
    if (!params.has(name)) continue;
    let value = params.get(name);
    if (key === "page" || key === "perPage") value = Number(value);
    if (valid[key](value)) view[key] = value;
  }
  return view;
}

function saveView(replace = false) {
  const url = new URL(window.location.href);
  for (const [key, name] of Object.entries(PARAMS)) {
    const value = view[key];
    if (value === "" || value === DEFAULTS[key]) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  if (url.href === window.location.href) return;
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
}

let view = readView();

function showView() {
  el.search.value = view.q;
  el.user.value = view.user;
  el.status.value = view.status;
  el.perPage.value = String(view.perPage);
  const key = view.sort.replace(/^-/, "");
  const descending = view.sort.startsWith("-");
  for (const button of el.sortButtons) {
    const th = button.closest("th");
    const active = button.dataset.sortKey === key;
    if (active) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
    drawIcon(button.querySelector(".pat-sort-icon"), active ? (descending ? "sortDown" : "sortUp") : "sortNone");
    button.classList.toggle("pat-sort-active", active);
  }
}

// -- formatting ------------------------------------------------------------------------------

function dateTime(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

function relative(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const abs = Math.abs(ms);
  if (abs >= DAY) return format.format(Math.round(ms / DAY), "day");
  if (abs >= 3600000) return format.format(Math.round(ms / 3600000), "hour");
  return format.format(Math.round(ms / 60000), "minute");
}

function timeBlock(iso, text) {
  return h("span", { class: "pat-admin-time" }, h("span", { text }), h("time", { class: "pat-admin-exact", datetime: iso, text: dateTime(iso) }));
}

const STATUS_LABELS = () => ({
  active: gettext("Active"),
  expiring: gettext("Expiring"),
  expired: gettext("Expired"),
  revoked: gettext("Revoked"),
});

const REASON_LABELS = () => ({
  user: gettext("by its owner"),
  admin: gettext("by an administrator"),
  leaked: gettext("leaked"),
});

function cell(label, className, ...content) {
  return h("td", { class: className, dataset: { label } }, ...content);
}

function row(token) {
  const statusText = STATUS_LABELS()[token.status] || token.status;
  const expiration = token.expires_at
    ? timeBlock(token.expires_at, token.status === "expired" ? gettext("Expired") : relative(token.expires_at))
    : h("span", { text: gettext("Never") });
  const lastUsed = token.last_used_at
    ? h(
        "span",
        { class: "pat-admin-time" },
        timeBlock(token.last_used_at, relative(token.last_used_at)),
        token.last_used_ip ? h("code", { class: "pat-admin-ip", text: token.last_used_ip }) : null,
      )
    : h("span", { class: "pat-muted", text: gettext("Never") });
  const status = h(
    "span",
    { class: `pat-admin-status pat-admin-status-${token.status}` },
    h("span", { text: statusText }),
    token.revoked_reason ? h("span", { class: "pat-admin-reason", text: REASON_LABELS()[token.revoked_reason] || token.revoked_reason }) : null,
  );
  // Two users may name their tokens alike: a row's buttons name the owner too.
  const whose = { name: token.name, user: token.user_label };
  // Icon buttons as on the tokens page, their label shown on hover and focus.
  const actions = [actionButton("history", gettext("History"), interpolate(gettext("History of %(name)s (%(user)s)"), whose), "history")];
  if (token.status !== "revoked") {
    actions.unshift(actionButton("revoke", gettext("Revoke"), interpolate(gettext("Revoke %(name)s (%(user)s)"), whose), "revoke"));
  }
  return h(
    "tr",
    { class: `pat-admin-row pat-admin-row-${token.status}`, dataset: { tokenId: token.id } },
    cell(
      gettext("User"),
      "pat-admin-user",
      h("span", {}, h("span", { class: "pat-admin-user-label", text: token.user_label }), h("span", { class: "pat-muted", text: ` #${token.user}` })),
    ),
    cell(gettext("Token name"), "pat-admin-name", h("span", { text: token.name })),
    cell(gettext("Token value"), "", h("code", { text: `...${token.last4}` })),
    cell(gettext("Created"), "", timeBlock(token.created_at, relative(token.created_at))),
    cell(gettext("Expiration"), "", expiration),
    cell(gettext("Last used"), "", lastUsed),
    cell(gettext("Status"), "pat-admin-status-cell", status),
    cell(gettext("Actions"), "pat-admin-actions", h("div", { class: "pat-admin-action-list" }, actions)),
  );
}

// -- loading and drawing ---------------------------------------------------------------------

let items = [];
let pages = 0;
let loading = null;

function showAlert(message) {
  el.alert.textContent = message || "";
  el.alert.hidden = !message;
}

function placeholder(text) {
  return h("tr", { class: "pat-placeholder-row" }, h("td", { colspan: 8, text }));
}

async function load() {
  showView();
  if (loading) loading.abort();
  const controller = new AbortController();
  loading = controller;
  el.table.setAttribute("aria-busy", "true");
  const query = { q: view.q, user: view.user, status: view.status, sort: view.sort, page: view.page, per_page: view.perPage };
  let result;
  try {
    result = await api.send("GET", "/admin/tokens", { query, signal: controller.signal });
  } catch (error) {
    if (error.name === "AbortError") return;
    el.table.setAttribute("aria-busy", "false");
    items = [];
    el.rows.replaceChildren(placeholder(gettext("The tokens could not be loaded.")));
    showAlert(error.message);
    return;
  }
  loading = null;
  showAlert("");
  if (result.pages > 0 && view.page > result.pages) {
    view.page = result.pages;
    saveView(true);
    return load();
  }
  items = result.items;
  pages = result.pages;
  el.rows.replaceChildren(...(items.length ? items.map(row) : [placeholder(gettext("No tokens match."))]));
  const first = result.total === 0 ? 0 : (result.page - 1) * result.per_page + 1;
  const last = Math.min(result.total, result.page * result.per_page);
  // Past 10,000 matches the server stops counting: the total is a bound ("10,000+"), and
  // there is no known last page.
  const exact = result.total_exact !== false;
  const number = new Intl.NumberFormat(locale()).format(result.total);
  el.range.textContent = interpolate(ngettext("%(first)s–%(last)s of %(total)s token", "%(first)s–%(last)s of %(total)s tokens", result.total), {
    first,
    last,
    total: exact ? number : `${number}+`,
  });
  el.first.disabled = el.prev.disabled = result.page <= 1;
  el.next.disabled = exact ? result.page >= result.pages : result.items.length < result.per_page;
  el.last.disabled = !exact || result.page >= result.pages;
  el.table.setAttribute("aria-busy", "false");
  userActions.show(view.user, items, view.q);
}

function change(values, { replace = false } = {}) {
  Object.assign(view, values);
  saveView(replace);
  return load();
}

// -- controls --------------------------------------------------------------------------------

el.filters.addEventListener("submit", (event) => event.preventDefault());
// What is typed is the view at once (a filter chosen meanwhile keeps it); the list follows
// when typing pauses.
const typedLoad = debounce(() => change({}, { replace: true }), 250);
function typed() {
  Object.assign(view, { q: el.search.value, user: el.user.value.trim(), page: 1 });
  typedLoad();
}
el.search.addEventListener("input", typed);
el.user.addEventListener("input", typed);
el.status.addEventListener("change", () => change({ status: el.status.value, page: 1 }));
el.perPage.addEventListener("change", () => change({ perPage: Number(el.perPage.value), page: 1 }));
el.first.addEventListener("click", () => change({ page: 1 }));
el.prev.addEventListener("click", () => change({ page: Math.max(1, view.page - 1) }));
el.next.addEventListener("click", () => change({ page: view.page + 1 }));
el.last.addEventListener("click", () => change({ page: Math.max(1, pages) }));
for (const button of el.sortButtons) {
  button.addEventListener("click", () => {
    const key = button.dataset.sortKey;
    const sort = view.sort === key ? `-${key}` : key;
    change({ sort, page: 1 });
  });
}
window.addEventListener("popstate", () => {
  view = readView();
  load();
});

// -- revoke ----------------------------------------------------------------------------------

const revokeDialog = part(root, "revoke-dialog");
const revokeModal = new Modal(revokeDialog);
const revokeText = part(revokeDialog, "revoke-text");
const revokeConfirm = part(revokeDialog, "revoke-confirm");
let revoking = null;

part(revokeDialog, "revoke-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = revoking;
  if (!token || revokeConfirm.disabled) return;
  revokeConfirm.disabled = true;
  try {
    await api.send("POST", `/admin/tokens/${token.id}/revoke`);
    revokeModal.returnFocus = () => focusRow(token.id);
    revokeModal.close();
    el.message.textContent = interpolate(gettext("Revoked %(name)s."), { name: token.name });
    await load();
    focusRow(token.id);
  } catch (error) {
    revokeModal.close();
    showAlert(error.message);
  } finally {
    revokeConfirm.disabled = false;
    revoking = null;
  }
});

function focusRow(id) {
  const tr = el.rows.querySelector(`tr[data-token-id="${CSS.escape(String(id))}"]`);
  const button = tr ? tr.querySelector("button") : el.rows.querySelector("button");
  if (button) button.focus();
  return Boolean(button);
}

function askRevoke(token, button) {
  revoking = token;
  revokeText.textContent = interpolate(
    gettext("%(name)s of %(user)s stops working at once. Its owner cannot restore it, only rotate or delete it."),
    { name: token.name, user: token.user_label },
  );
  // Destructive: opens on Cancel.
  revokeModal.open(button, part(revokeDialog, "dismiss"));
}

// -- history ---------------------------------------------------------------------------------

// The tokens page's dialog, fed from everyone's audit trail.
const history = new HistoryDialog(part(root, "history-dialog"), {
  load: (token, page) => api.send("GET", "/admin/events", { query: { token: token.id, page, per_page: 10 } }),
  describe: (token) => interpolate(gettext("%(name)s of %(user)s"), { name: `${token.name} · ...${token.last4}`, user: token.user_label }),
});

const userActions = userRevokeAll(root, {
  api,
  onDone: async (message) => {
    el.message.textContent = message;
    await load();
  },
  onError: (error) => showAlert(error.message),
  onPick: (user) => {
    change({ user, page: 1 });
    el.user.focus();
  },
});

el.rows.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const token = items.find((item) => String(item.id) === button.closest("tr").dataset.tokenId);
  if (!token) return;
  if (button.dataset.action === "revoke") askRevoke(token, button);
  else if (button.dataset.action === "history") history.open(token, button);
});

load();
