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
