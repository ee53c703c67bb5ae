// The personal access tokens page: wires the parts together and keeps the list's state
// (search, sort, page, filters). Everything is drawn from GET /meta and GET /tokens.

import { Api } from "./api.js";
import { debounce, h, part, setOptions } from "./dom.js";
import { icon } from "./icons.js";
import { Clock, projectLabel } from "./format.js";
import { ConfirmDialog, DeleteDialog } from "./dialogs.js";
import { downloadText } from "./clipboard.js";
import { TokenForm } from "./form.js";
import { GeneratedDialog, mimeType } from "./generated.js";
import { PreviewPanel } from "./preview.js";
import { TokenTable } from "./table.js";

const SEARCH_DELAY_MS = 200;
const REFRESH_MS = 30_000;
const TOAST_MS = 6_000;

class TokensPage {
  constructor(root) {
    this.root = root;
    const apiBase = JSON.parse(root.dataset.apiBase);
    this.storageKey = `flask-pat:${apiBase}`;
    this.state = { q: "", sort: "-created_at", page: 1, perPage: 10, project: "", integration: "" };
    this.clock = new Clock();
    this.api = new Api(apiBase, JSON.parse(root.dataset.csrfToken), { onSessionEnded: () => this.sessionEnded() });

    this.search = part(root, "search");
    this.integration = part(root, "integration");
    this.project = part(root, "project");
    this.perPage = part(root, "per-page");
    this.newButton = part(root, "new");
    this.hint = part(root, "download-hint");
    this.alert = part(root, "alert");
    this.status = part(root, "status");

    this.table = new TokenTable(
      {
        table: part(root, "table"),
        rows: part(root, "rows"),
        sortButtons: [...root.querySelectorAll('[data-pat="sort"]')],
        range: part(root, "range"),
        prev: part(root, "prev"),
        next: part(root, "next"),
      },
      {
        onAction: (action, token, button) => this.act(action, token, button),
        onSort: (key) => this.sortBy(key),
        onPage: (step) => this.turnPage(step),
      },
    );
    this.form = new TokenForm(part(root, "form-dialog"), {
      api: this.api,
      clock: this.clock,
      onCreated: (result, returnFocus) => this.created(result, returnFocus),
    });
    this.generated = new GeneratedDialog(part(root, "generated-dialog"), {
      api: this.api,
      downloads: (token) => this.offer(token),
    });
    this.preview = new PreviewPanel(part(root, "preview-dialog"), {
      api: this.api,
      target: (token) => this.ideQuery(token),
    });
    this.rotateDialog = new ConfirmDialog(part(root, "rotate-dialog"), part(root, "rotate-name"));
    this.deleteDialog = new DeleteDialog(part(root, "delete-dialog"), {
      onConfirm: (token) => this.deleteToken(token),
    });

    const search = debounce(() => this.update({ q: this.search.value.trim(), page: 1 }), SEARCH_DELAY_MS);
    this.search.addEventListener("input", search);
    this.perPage.addEventListener("change", () => this.update({ perPage: Number(this.perPage.value), page: 1 }));
    this.project.addEventListener("change", () => this.update({ project: this.project.value, page: 1 }));
    this.integration.addEventListener("change", () => {
      this.state.integration = this.integration.value;
      this.remember();
      this.showHint();
      this.render();
    });
    this.newButton.addEventListener("click", () => this.form.open(this.newButton, this.state.project));
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

    const saved = this.recall();
    if (this.pageSizes.includes(saved.perPage)) this.state.perPage = saved.perPage;
    if (this.projects.some((p) => String(p.id) === saved.project)) this.state.project = saved.project;
    if (this.integrations.some((i) => i.uid === saved.integration)) this.state.integration = saved.integration;

    setOptions(this.perPage, this.pageSizes.map((size) => [size, String(size)]), this.state.perPage);
    setOptions(this.integration, [["", "None"], ...this.integrations.map((i) => [i.uid, i.name])], this.state.integration);
    setOptions(this.project, [["", "All projects"], ...this.projects.map((p) => [p.id, projectLabel(p)])], this.state.project);
    part(this.root, "integration-field").hidden = this.integrations.length === 0;
    part(this.root, "project-field").hidden = this.projects.length === 0;
    this.form.configure(meta);
    this.preview.configure(this.formats);
    this.newButton.disabled = false;
    this.table.showSorted(this.state.sort);
    this.showHint();
    await this.load();
  }

  recall() {
    try {
      return JSON.parse(window.localStorage.getItem(this.storageKey)) || {};
    } catch {
      return {};
    }
  }

  remember() {
    const { perPage, project, integration } = this.state;
    try {
      window.localStorage.setItem(this.storageKey, JSON.stringify({ perPage, project, integration }));
    } catch {
      // Storage refused (private mode, policy): the choices just are not kept.
    }
  }

  // -- the list ------------------------------------------------------------------------

  update(changes) {
    Object.assign(this.state, changes);
    this.remember();
    if ("project" in changes) this.showHint();
    return this.load();
  }

  async load() {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.table.setBusy(true);
    const { q, sort, page, perPage, project } = this.state;
    try {
      const result = await this.api.listTokens({ q, sort, page, per_page: perPage, project }, controller.signal);
      if (controller !== this.controller) return;
      if (result.items.length === 0 && result.page > 1 && result.pages > 0) {
        // The page emptied (its last token deleted): show the last page that has tokens.
        this.state.page = result.pages;
        await this.load();
        return;
      }
      if (this.alert.dataset.kind === "load") this.clearAlert();
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
    this.table.render(this.result, {
      now: this.clock.now(),
      warningMs: (this.meta.expiry_warning_seconds || 0) * 1000,
      formats: this.formats,
      canDownload: (token) => Boolean(this.offer(token).formats),
      empty: this.emptyText(),
    });
  }

  emptyText() {
    if (this.state.q) {
      return { title: `No tokens match “${this.state.q}”`, hint: "Try another part of the name, or clear the search." };
    }
    if (this.state.project) {
      return { title: "No tokens in this project yet", hint: "Tokens you create while this project is selected belong to it." };
    }
    return {
      title: "No tokens yet",
      hint: "Create one with New token to let scripts, API clients and IDE extensions act as you.",
    };
  }

  sortBy(key) {
    const sort = this.state.sort === key ? `-${key}` : key;
    this.table.showSorted(sort);
    this.update({ sort, page: 1 });
  }

  async turnPage(step) {
    this.state.page = Math.max(1, this.state.page + step);
    await this.load();
    const { prev, next } = this.table.parts;
    // The button pressed may now be disabled (first or last page): keep focus nearby.
    if (document.activeElement === document.body || document.activeElement?.disabled) {
      (step < 0 ? (prev.disabled ? next : prev) : next.disabled ? prev : next).focus();
    }
  }

  // -- IDE settings --------------------------------------------------------------------

  projectById(id) {
    return id === null || id === undefined || id === "" ? null : this.projects.find((p) => String(p.id) === String(id)) || null;
  }

  /** The integration and project a token's IDE settings are made for. */
  ideQuery(token) {
    const project = token.project_id ?? (this.state.project || null);
    return { integration: this.state.integration || undefined, project: project ?? undefined };
  }

  /** Whether IDE settings downloads are offered for `token`: `{formats, query}` or `{hint}`. */
  offer(token) {
    if (this.formats.length === 0) return { hint: "" };
    if (this.integrations.length > 0 && !this.state.integration) {
      return { hint: "To download IDE settings with this token filled in, choose an Integration before generating it." };
    }
    const query = this.ideQuery(token);
    if (this.projectById(query.project)?.public) {
      return { hint: "IDE settings are not offered for public projects." };
    }
    return { formats: this.formats, query };
  }

  showHint() {
    let text = "";
    if (this.formats.length && this.integrations.length && !this.state.integration) {
      text = "Choose an Integration to download IDE settings for your tokens.";
    } else if (this.projectById(this.state.project)?.public) {
      text = "IDE settings downloads are not offered for public projects.";
    }
    this.hint.textContent = text;
    this.hint.hidden = !text;
  }

  async downloadSettings(token, formatId) {
    const format = this.formats.find((f) => f.id === formatId);
    const offer = this.offer(token);
    if (!format || !offer.formats) return;
    try {
      const text = await this.api.ideFile(token.id, format.id, offer.query);
      downloadText(text, format.filename, mimeType(format.filename));
      this.announce(`${format.filename} downloaded: put your token in place of ...${token.last4} in it.`);
    } catch (error) {
      this.report(error);
    }
  }

  // -- actions -------------------------------------------------------------------------

  act(action, token, button) {
    if (action === "preview") this.preview.open(token, button);
    else if (action === "download") this.downloadSettings(token, button.dataset.format);
    else if (action === "revoke" || action === "restore") this.setRevoked(token, action);
    else if (action === "rotate") this.rotate(token, button);
    else if (action === "delete") this.confirmDelete(token);
  }

  returnTo(token, action) {
    return () => this.table.focusAction(token.id, action) || this.newButton.focus();
  }

  created(result, returnFocus) {
    this.generated.show(result, returnFocus || this.newButton);
    this.announce(`Token “${result.token.name}” created.`);
    this.update({ page: 1 });
  }

  async setRevoked(token, action) {
    try {
      if (action === "revoke") {
        await this.api.revoke(token.id);
        this.announce(`Token “${token.name}” revoked: it no longer works.`);
      } else {
        await this.api.restore(token.id);
        this.announce(`Token “${token.name}” restored: it works again.`);
      }
    } catch (error) {
      this.report(error);
    }
    await this.load();
  }

  async rotate(token, button) {
    if (!(await this.rotateDialog.ask(token.name, button))) return;
    try {
      const result = await this.api.rotate(token.id);
      this.generated.show(result, this.returnTo(token, "rotate"));
      this.announce(`Token “${token.name}” rotated: its old secret no longer works.`);
    } catch (error) {
      this.report(error);
    }
    await this.load();
  }

  confirmDelete(token) {
    const index = this.table.indexOf(token.id);
    this.deleteDialog.open(token, () => this.table.focusAction(token.id, "delete") || this.table.focusRow(index) || this.newButton.focus());
  }

  async deleteToken(token) {
    await this.api.remove(token.id);
    this.announce(`Token “${token.name}” deleted.`);
    await this.load();
  }

  // -- messages ------------------------------------------------------------------------

  announce(message) {
    clearTimeout(this.toastTimer);
    this.status.textContent = message;
    this.toastTimer = setTimeout(() => {
      this.status.textContent = "";
    }, TOAST_MS);
  }

  /** Show an error from an action; a 401 has already been shown by sessionEnded(). */
  report(error) {
    if (error.status === 401) return;
    this.showAlert(error.message, { label: "Dismiss", onClick: () => this.clearAlert() });
  }

  /** Show why something could not be loaded, with a way to try again. */
  fail(error, retry, kind = "error") {
    if (error.status === 401) return;
    this.showAlert(error.message, { label: "Try again", onClick: retry }, kind);
  }

  sessionEnded() {
    if (this.ended) return;
    this.ended = true;
    // Keep the once-only secret on screen if it is showing; close everything else.
    this.form.modal.close();
    this.preview.modal.close();
    this.rotateDialog.modal.close();
    this.deleteDialog.modal.close();
    this.newButton.disabled = true;
    this.showAlert("Your session has ended, so this page can no longer manage your tokens.", {
      label: "Sign in again",
      href: window.location.href,
    }, "session");
    // Nothing else on the page works now: take keyboard users straight to the way out.
    if (!this.generated.modal.isOpen) this.alert.querySelector("a").focus();
  }

  showAlert(message, action, kind = "error") {
    if (this.ended && kind !== "session") return;
    const control = action.href
      ? h("a", { class: "pat-button", href: action.href, text: action.label })
      : h("button", { type: "button", class: "pat-button", text: action.label });
    if (!action.href) control.addEventListener("click", action.onClick);
    this.alert.dataset.kind = kind;
    this.alert.replaceChildren(icon("alert"), h("p", { text: message }), control);
    this.alert.hidden = false;
  }

  clearAlert() {
    this.alert.hidden = true;
    this.alert.replaceChildren();
    delete this.alert.dataset.kind;
  }
}

const root = document.querySelector('[data-pat="root"]');
if (root) new TokensPage(root).start();
