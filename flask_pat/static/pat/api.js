// The JSON API the page talks to (SPEC section 4): CSRF header, one retry after a stale
// CSRF token, errors turned into ApiError with the API's code, message and field errors.

import { gettext, interpolate } from "./i18n.js";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** How long the page says why it leaves for the sign-in form before it goes. */
const FRESH_LOGIN_NOTICE_MS = 1500;

/** An API error: `status` 0 with code "network" when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

export class Api {
  /**
   * `base` is the API root without trailing slash; `onSessionEnded` is called on any 401,
   * which for a page driven by a session means the user has been signed out. `announce`
   * puts a message in a role="status" region: it says why the page leaves for a fresh
   * sign-in.
   */
  constructor(base, csrfToken, { onSessionEnded = () => {}, announce = null } = {}) {
    this.base = base;
    this.csrfToken = csrfToken;
    this.onSessionEnded = onSessionEnded;
    this.announce = announce;
  }

  async meta() {
    const meta = await this.send("GET", "/meta");
    this.csrfToken = meta.csrf_token;
    return meta;
  }

  listTokens(params, signal) {
    return this.send("GET", "/tokens", { query: params, signal });
  }

  createToken(body) {
    return this.send("POST", "/tokens", { body });
  }

  revoke(id) {
    return this.send("POST", `/tokens/${id}/revoke`);
  }

  restore(id) {
    return this.send("POST", `/tokens/${id}/restore`);
  }

  /** Rotate token `id`; `expiration` ({unit, value}) gives it a new lifetime, else its own. */
  rotate(id, expiration = null) {
    return this.send("POST", `/tokens/${id}/rotate`, expiration ? { body: { expiration } } : {});
  }

  /** Change a token's name and/or description. */
  edit(id, changes) {
    return this.send("PATCH", `/tokens/${id}`, { body: changes });
  }

  /** Revoke every live token of the signed-in user: {revoked: n}. */
  revokeAll() {
    return this.send("POST", "/tokens/revoke-all");
  }

  remove(id) {
    return this.send("DELETE", `/tokens/${id}`);
  }

  /** A page of token `id`'s audit events, newest first. */
  events(id, page, perPage = 10) {
    return this.send("GET", `/tokens/${id}/events`, { query: { page, per_page: perPage } });
  }

  /** The text of an IDE settings file for token `id`, with the token masked. */
  ideFile(id, format, { integration, project } = {}) {
    const query = { integration, project };
    return this.send("GET", `/tokens/${id}/ide/${encodeURIComponent(format)}`, { query, text: true });
  }

  async send(method, path, { query, body, signal, text = false } = {}, retried = false) {
    const url = new URL(this.base + path, window.location.href);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const headers = { Accept: text ? "text/plain, application/json" : "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (UNSAFE.has(method)) headers["X-CSRF-Token"] = this.csrfToken;

    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        signal,
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network", gettext("Could not reach the server. Check your connection and try again."));
    }

    if (response.ok) {
      if (response.status === 204) return null;
      return text ? response.text() : response.json();
    }
    const error = await readError(response);
    if (error.code === "csrf_failed" && !retried) {
      // CSRF tokens age out (Flask-WTF's after an hour): fetch a fresh one and retry once.
      await this.meta();
      return this.send(method, path, { query, body, signal, text }, true);
    }
    if (error.status === 401) this.onSessionEnded(error);
    if (error.code === "fresh_login_required" && /^https?:$/.test(new URL(error.refreshUrl || "", window.location.href).protocol)) {
      // PAT_REQUIRE_FRESH_LOGIN: through the host's refresh_view, then back to this page;
      // said first, and given the time to be heard, so the page does not just vanish.
      const target = new URL(error.refreshUrl, window.location.href).href;
      this.announce?.(gettext("Confirm your password to continue. Taking you to sign in…"));
      setTimeout(() => window.location.assign(target), this.announce ? FRESH_LOGIN_NOTICE_MS : 0);
    }
    throw error;
  }
}

async function readError(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON: a proxy or server error page.
  }
  const error = payload && payload.error;
  if (error && typeof error.message === "string") {
    const found = new ApiError(response.status, error.code || "error", error.message, error.fields);
    if (typeof error.refresh_url === "string") found.refreshUrl = error.refresh_url;
    return found;
  }
  if (response.status === 401) {
    return new ApiError(401, "unauthorized", gettext("Your session has ended."));
  }
  return new ApiError(
    response.status,
    "http_error",
    interpolate(gettext("The server answered %(status)s. Try again in a moment."), {
      status: `${response.status} ${response.statusText}`.trim(),
    }),
  );
}
