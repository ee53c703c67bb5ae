// The personal access tokens page: wires the parts together and keeps the list's view
// (search, status, sort, page, rows per page, project) in the URL. Everything is drawn from
// GET /meta and GET /tokens.

import { rowActions } from "./actions.js";
import { AlertBox } from "./alerts.js";
import { Api } from "./api.js";
import { debounce, part, setOptions } from "./dom.js";
import { Clock, formatNumber, projectLabel } from "./format.js";
import { ConfirmDialog, DeleteDialog } from "./dialogs.js";
import { EditDialog } from "./edit.js";
import { TokenForm } from "./form.js";
import { GeneratedDialog } from "./generated.js";
import { HistoryDialog } from "./history.js";
import { IdeChoices } from "./ide.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { Pager } from "./pager.js";
import { PreviewPanel } from "./preview.js";
import { emptyState, mostActions, tokenCells } from "./rows.js";
import { TokenTable } from "./table.js";
import { applyTheme } from "./theme.js";
import { Toast } from "./toast.js";
import { readView, recall, remember, saveView, takePrefill } from "./urlstate.js";
import { RevokeAllDialog } from "./revokeall.js";

const SEARCH_DELAY_MS = 200;
const REFRESH_MS = 30_000;
const DEFAULT_VIEW = Object.freeze({ q: "", status: "", sort: "-created_at", page: 1, perPage: 10, project: "" });
const STATUSES = ["active", "expiring", "expired", "revoked"];
const SORT_KEYS = ["name", "created_at", "expires_at", "last_used_at"];

class TokensPage {
  constructor(root) {
    this.root = root;
    applyTheme(root);
    const apiBase = JSON.parse(root.dataset.apiBase);
    this.storageKey = `flask-pat:${apiBase}`;
    this.state = { ...DEFAULT_VIEW, integration: "" };
    this.clock = new Clock();
    this.api = new Api(apiBase, JSON.parse(root.dataset.csrfToken), { onSessionEnded: () => this.sessionEnded(), announce: (message) => this.announce(message) });

    this.search = part(root, "search");
    this.statusFilter = part(root, "status-filter");
    this.integration = part(root, "integration");
    this.project = part(root, "project");
    this.perPage = part(root, "per-page");
    this.newButton = part(root, "new");
    this.hint = part(root, "download-hint");
    this.alerts = new AlertBox(part(root, "alert"));
    this.card = part(root, "card");
    this.listStatus = part(root, "list-status");
    this.toast = new Toast({
      box: part(root, "toast"),
      text: part(root, "toast-text"),
      closeButton: part(root, "toast-close"),
      live: part(root, "live"),
      home: root,
    });

    this.table = new TokenTable(
      {
        table: part(root, "table"),
        rows: part(root, "rows"),
        sortButtons: [...root.querySelectorAll('[data-pat="sort"]')],
      },
      {
        onAction: (action, token, button) => this.act(action, token, button),
        onSort: (key) => this.sortBy(key),
      },
    );
    this.pager = new Pager(
      {
        box: part(root, "pagination"),
        range: part(root, "range"),
        pageNumber: part(root, "page-number"),
        first: part(root, "first"),
        prev: part(root, "prev"),
        next: part(root, "next"),
        last: part(root, "last"),
      },
      { onPage: (page, button) => this.turnPage(page, button) },
    );
    this.form = new TokenForm(part(root, "form-dialog"), {
      api: this.api,
      clock: this.clock,
      onCreated: (result, returnFocus) => this.created(result, returnFocus),
    });
    this.generated = new GeneratedDialog(part(root, "generated-dialog"), {
      api: this.api,
      downloads: (token) => this.offer(token),
      integrations: () => this.integrations || [],
      chooseIntegration: (uid) => this.chooseIntegration(uid),
    });
    this.preview = new PreviewPanel(part(root, "preview-dialog"), {
      api: this.api,
      target: (token) => this.ideQuery(token),
      chooseIntegration: () => this.integration.focus(),
    });
    this.history = new HistoryDialog(part(root, "history-dialog"), {
      load: (token, page) => this.api.events(token.id, page),
      now: () => this.clock.now(),
    });
    this.rotateDialog = new ConfirmDialog(part(root, "rotate-dialog"), part(root, "rotate-name"));
    this.rotateLifetime = part(root, "rotate-lifetime");
    this.rotateRevived = part(root, "rotate-revived");
    this.revokeDialog = new ConfirmDialog(part(root, "revoke-dialog"), part(root, "revoke-name"));
    this.editDialog = new EditDialog(part(root, "edit-dialog"), {
      onSave: (token, changes) => this.saveEdit(token, changes),
    });
    this.rotateExpiration = part(root, "rotate-expiration");
    this.revokeAllButton = part(root, "revoke-all");
    this.revokeAllDialog = new RevokeAllDialog(part(root, "revoke-all-dialog"), { onConfirm: () => this.revokeAll() });
    this.revokeAllButton.addEventListener("click", () => this.revokeAllDialog.open(this.revokeAllButton));
    this.deleteDialog = new DeleteDialog(part(root, "delete-dialog"), {
      onConfirm: (token) => this.deleteToken(token),
    });

    const search = debounce(() => this.update({ q: this.search.value.trim(), page: 1 }, { replace: true }), SEARCH_DELAY_MS);
    this.search.addEventListener("input", search);
    this.statusFilter.addEventListener("change", () => this.update({ status: this.statusFilter.value, page: 1 }));
    this.perPage.addEventListener("change", () => this.update({ perPage: Number(this.perPage.value), page: 1 }));
    this.project.addEventListener("change", () => this.update({ project: this.project.value, page: 1 }));
    this.integration.addEventListener("change", () => this.chooseIntegration(this.integration.value));
    part(root, "skip").addEventListener("click", (event) => {
      event.preventDefault();
      this.perPage.focus();
    });
    // Back, reload or closing the tab while the once-only secret shows: ask first.
    window.addEventListener("beforeunload", (event) => {
      if (!this.generated.modal.isOpen) return;
      event.preventDefault();
      event.returnValue = "";
    });
    this.newButton.addEventListener("click", () => this.form.open(this.newButton, this.state.project));
    window.addEventListener("popstate", () => {
      if (!this.meta || this.ended) return;
      Object.assign(this.state, this.viewFromUrl());
      this.showView();
      this.load();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.meta && !this.ended) this.load();
    });
    setInterval(() => {
      if (this.result && document.visibilityState === "visible") this.render();
    }, REFRESH_MS);
  }

  // -- start ---------------------------------------------------------------------------

  async start() {
    try {
      this.meta = await this.api.meta();
    } catch (error) {
      this.fail(error, () => this.start());
      return;
    }
    this.clearAlert();
    const meta = this.meta;
    this.clock.sync(meta.now);
    this.integrations = meta.integrations || [];
    this.projects = meta.projects || [];
    this.formats = meta.ide_formats || [];
    this.pageSizes = meta.page_sizes || [5, 10, 50, 100];
    this.hasScopes = (meta.scopes || []).length > 0;
    this.ide = new IdeChoices(this.formats, this.integrations, this.projects);

    const saved = this.recall();
    if (this.integrations.some((i) => i.uid === saved.integration)) this.state.integration = saved.integration;
    const fromUrl = this.viewFromUrl();
    // Rows per page is also remembered for the next visit; a link's own choice wins.
    if (!new URLSearchParams(window.location.search).has("per_page") && this.pageSizes.includes(saved.perPage)) {
      fromUrl.perPage = saved.perPage;
    }
    Object.assign(this.state, fromUrl);

    setOptions(this.perPage, this.pageSizes.map((size) => [size, String(size)]));
    setOptions(this.integration, [["", gettext("None")], ...this.integrations.map((i) => [i.uid, i.name])], this.state.integration);
    setOptions(this.project, [["", gettext("All projects")], ...this.projects.map((p) => [p.id, projectLabel(p)])]);
    part(this.root, "integration-field").hidden = this.integrations.length === 0;
    part(this.root, "project-field").hidden = this.projects.length === 0;
    part(this.root, "scopes-head").hidden = !this.hasScopes;
    this.table.countColumns();
    // The Actions column is as wide as the most buttons a row can have, so it never jumps.
    this.table.parts.table.style.setProperty("--pat-action-count", String(mostActions(this.formats)));
    this.table.fitTo(this.card, 130);
    this.form.configure(meta);
    this.preview.configure(this.formats);
    this.newButton.disabled = this.revokeAllButton.disabled = false;
    this.showView();
    const prefill = takePrefill();
    saveView(this.state, DEFAULT_VIEW, { replace: true });
    await this.load();
    if (prefill) this.form.open(this.newButton, this.state.project, prefill);
  }

  /** The view the address bar asks for, checked against what this page offers. */
  viewFromUrl() {
    return readView(window.location.search, DEFAULT_VIEW, {
      q: () => true,
      status: (value) => value === "" || STATUSES.includes(value),
      sort: (value) => SORT_KEYS.includes(value.replace(/^-/, "")),
      page: (value) => Number.isInteger(value) && value >= 1,
      perPage: (value) => this.pageSizes.includes(value),
      project: (value) => this.projects.some((p) => String(p.id) === value),
    });
  }

  /** Make the controls show the current view. */
  showView() {
    this.search.value = this.state.q;
    this.statusFilter.value = this.state.status;
    this.perPage.value = String(this.state.perPage);
    this.project.value = String(this.state.project);
    this.table.showSorted(this.state.sort);
    this.showHint();
  }

  recall() {
    return recall(this.storageKey);
  }

  remember() {
    const { perPage, integration } = this.state;
    remember(this.storageKey, { perPage, integration });
  }

  // -- the list ------------------------------------------------------------------------

  /** Change the view: a new history entry (or, `replace`, the same one), then load it. */
  update(changes, { replace = false } = {}) {
    Object.assign(this.state, changes);
    this.remember();
    if ("project" in changes) this.showHint();
    if ("sort" in changes) this.table.showSorted(this.state.sort);
    saveView(this.state, DEFAULT_VIEW, { replace });
    return this.load();
  }

  async load() {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.table.setBusy(true);
    const { q, status, sort, page, perPage, project } = this.state;
    try {
      const result = await this.api.listTokens({ q, status, sort, page, per_page: perPage, project }, controller.signal);
      if (controller !== this.controller) return;
      if (result.items.length === 0 && result.page > 1 && result.pages > 0) {
        // Past the last page (its last token deleted, or an old link): show the last one.
        this.state.page = result.pages;
        saveView(this.state, DEFAULT_VIEW, { replace: true });
        await this.load();
        return;
      }
      if (this.alerts.kind === "load") this.clearAlert();
      this.result = result;
      this.render();
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.controller) return;
      this.fail(error, () => this.load(), "load");
    } finally {
      if (controller === this.controller) this.table.setBusy(false);
    }
  }

  render() {
    if (!this.result) return;
    const view = {
      now: this.clock.now(),
      warningMs: (this.meta.expiry_warning_seconds || 0) * 1000,
      hasScopes: this.hasScopes,
      formats: this.formats,
      canDownload: (token) => Boolean(this.offer(token).formats),
    };
    this.showHint();
    this.table.render(this.result.items, {
      cells: (token) => tokenCells(token, view),
      empty: this.emptyText(),
    });
    this.pager.render(this.result);
    this.sayWhatIsListed();
  }

  /** Tell screen readers what a search, filter or page change found (once per change). */
  sayWhatIsListed() {
    const { total, page, pages } = this.result;
    const text =
      total === 0
        ? emptyState(this.state, { create: null, showAll: null }).title
        : interpolate(ngettext("%(count)s token, page %(page)s of %(pages)s", "%(count)s tokens, page %(page)s of %(pages)s", total), {
            count: formatNumber(total),
            page: formatNumber(page),
            pages: formatNumber(pages),
          });
    if (this.listStatus.textContent !== text) this.listStatus.textContent = text;
  }

  emptyText() {
    return emptyState(this.state, {
      create: () => this.form.open(this.newButton, this.state.project),
      showAll: () => this.update({ q: "", status: "", page: 1 }).then(() => this.search.focus()),
    });
  }

  sortBy(key) {
    const current = this.state.sort;
    // First click: names A to Z, expiration soonest first, created and last used newest first.
    const first = { name: "name", expires_at: "expires_at", created_at: "-created_at", last_used_at: "-last_used_at" }[key];
    const sort = current.replace(/^-/, "") === key ? (current.startsWith("-") ? key : `-${key}`) : first;
    this.update({ sort, page: 1 });
  }

  async turnPage(page, button) {
    if (page === this.state.page) return;
    await this.update({ page });
    // Start reading the new page from its top.
    if (this.card.getBoundingClientRect().top < 0) this.card.scrollIntoView({ block: "start" });
    this.pager.keepFocus(button);
  }

  // -- IDE settings --------------------------------------------------------------------

  /** Whether IDE settings downloads are offered for `token`: `{formats, query}` or `{hint}`. */
  offer(token) {
    return this.ide.offer(token, this.state);
  }

  /** The query for a token's settings, or null while an integration must be chosen first. */
  ideQuery(token) {
    return this.ide.needsIntegration(this.state) ? null : this.ide.query(token, this.state);
  }

  chooseIntegration(uid) {
    this.state.integration = uid;
    this.integration.value = uid;
    this.remember();
    this.showHint();
    this.render();
  }

  showHint() {
    // The line keeps its height when empty, so the table does not jump. While rows offer
    // downloads, it says first what the files hold (the row buttons point to it).
    const hint = this.ide ? this.ide.hint(this.state) : "";
    const offered = this.ide && !hint && this.formats.length > 0 && this.result && this.result.items.some((t) => this.offer(t).formats);
    this.hint.textContent = offered
      ? gettext("Settings files downloaded from a row hold the token masked (... and its last four characters): put the full token in its place.")
      : hint;
  }

  // -- messages ------------------------------------------------------------------------

  announce(message) {
    this.toast.show(message);
  }

  /** Show an error from an action; a 401 has already been shown by sessionEnded(). */
  report(error) {
    if (error.status === 401) return;
    this.showAlert(error.message, { label: gettext("Dismiss"), onClick: () => this.clearAlert() });
  }

  /** Show why something could not be loaded, with a way to try again. */
  fail(error, retry, kind = "error") {
    if (error.status === 401) return;
    this.showAlert(error.message, { label: gettext("Try again"), onClick: retry }, kind);
  }

  sessionEnded() {
    if (this.ended) return;
    this.ended = true;
    // Keep the once-only secret on screen if it is showing; close everything else.
    for (const dialog of [this.form, this.preview, this.history, this.rotateDialog, this.revokeDialog, this.deleteDialog, this.editDialog, this.revokeAllDialog]) {
      dialog.modal.close();
    }
    this.newButton.disabled = this.revokeAllButton.disabled = true;
    this.showAlert(
      gettext("Your session has ended, so this page can no longer manage your tokens."),
      { label: gettext("Sign in again"), href: window.location.href },
      "session",
    );
    // Nothing else on the page works now: take keyboard users straight to the way out.
    if (!this.generated.modal.isOpen) this.alerts.focusAction();
  }

  showAlert(message, action, kind = "error") {
    if (this.ended && kind !== "session") return;
    this.alerts.show(message, action, kind);
  }

  clearAlert() {
    this.alerts.clear();
  }
}

Object.assign(TokensPage.prototype, rowActions);

const root = document.querySelector('[data-pat="root"]');
if (root) new TokensPage(root).start();
