// The list's view in the page's query string (?q=deploy&status=active&sort=name&page=3&per_page=50),
// as Django admin's changelist keeps it: reload, Back and a shared link show the same view.
// Choices that are the person's, not the view's (rows per page, integration), are kept in
// localStorage for the next visit.

const KEYS = { q: "q", status: "status", sort: "sort", page: "page", perPage: "per_page", project: "project" };

/**
 * Read the view from `search` (location.search): only values that `valid` accepts, the
 * rest from `defaults`. `valid` maps a state key to a function(value) -> boolean.
 */
export function readView(search, defaults, valid) {
  const params = new URLSearchParams(search);
  const view = { ...defaults };
  for (const [key, name] of Object.entries(KEYS)) {
    if (!params.has(name)) continue;
    let value = params.get(name);
    if (key === "page" || key === "perPage") value = Number(value);
    if (!valid[key] || valid[key](value)) view[key] = value;
  }
  return view;
}

/** The page's URL with `view` in its query string; values equal to `defaults` are left out. */
export function viewUrl(view, defaults, href = window.location.href) {
  const url = new URL(href);
  for (const [key, name] of Object.entries(KEYS)) {
    const value = view[key];
    if (value === undefined || value === null || value === "" || value === defaults[key]) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** Put `view` in the address bar: a new history entry, or (`replace`) the current one. */
export function saveView(view, defaults, { replace = false } = {}) {
  const url = viewUrl(view, defaults);
  if (url === window.location.href) return;
  const state = { patView: view };
  if (replace) window.history.replaceState(state, "", url);
  else window.history.pushState(state, "", url);
}

/** The choices kept under `key`, or {}. */
export function recall(key) {
  try {
    return JSON.parse(window.localStorage.getItem(key)) || {};
  } catch {
    return {};
  }
}

/** Keep `choices` under `key` for the next visit. */
export function remember(key, choices) {
  try {
    window.localStorage.setItem(key, JSON.stringify(choices));
  } catch {
    // Storage refused (private mode, policy): the choices just are not kept.
  }
}

const PREFILL = ["name", "description", "scopes"];

/**
 * What the page's address asks the "New token" form to hold (`?name=&description=&scopes=a,b`,
 * as GitHub's and GitLab's pages take it, so a tool can send its user to a ready form), or
 * null. Taken once: the address keeps only the list's view afterwards.
 */
export function takePrefill() {
  const url = new URL(window.location.href);
  if (!PREFILL.some((key) => url.searchParams.has(key))) return null;
  const prefill = {
    name: url.searchParams.get("name") || "",
    description: url.searchParams.get("description") || "",
    scopes: (url.searchParams.get("scopes") || "").split(",").map((s) => s.trim()).filter(Boolean),
  };
  for (const key of PREFILL) url.searchParams.delete(key);
  window.history.replaceState(window.history.state, "", url.toString());
  return prefill;
}
