// The settings preview side panel: the IDE settings file of one token (masked), with an
// IDE switch, Copy, Download and Close.

import { part, setOptions } from "./dom.js";
import { gettext, interpolate } from "./i18n.js";
import { Modal } from "./dialogs.js";
import { copyText, downloadText } from "./clipboard.js";
import { mimeType } from "./generated.js";

export class PreviewPanel {
  /**
   * `target(token)` gives the query ({integration, project}) for the token's settings, or
   * null while an integration must be chosen first; `chooseIntegration()` takes the user
   * to where it is chosen.
   */
  constructor(dialog, { api, target, chooseIntegration }) {
    this.api = api;
    this.target = target;
    this.choose = part(dialog, "preview-choose");
    this.body = part(dialog, "preview-body");
    part(dialog, "preview-choose-button").addEventListener("click", () => {
      this.modal.returnFocus = null;
      this.modal.close();
      chooseIntegration();
    });
    this.modal = new Modal(dialog, { lightDismiss: true, onClose: () => this.clear() });
    this.format = part(dialog, "preview-format");
    this.tokenLine = part(dialog, "preview-token");
    this.filename = part(dialog, "preview-filename");
    this.text = part(dialog, "preview-text");
    this.error = part(dialog, "preview-error");
    this.copied = part(dialog, "preview-copied");
    this.copyButton = part(dialog, "preview-copy");
    this.downloadButton = part(dialog, "preview-download");
    this.format.addEventListener("change", () => this.load());
    this.copyButton.addEventListener("click", () => this.copy());
    this.downloadButton.addEventListener("click", () => this.download());
  }

  configure(formats) {
    this.formats = formats;
    setOptions(this.format, formats.map((f) => [f.id, f.label]));
  }

  open(token, returnFocus) {
    this.token = token;
    const details = [token.name, `...${token.last4}`];
    if (token.scopes && token.scopes.length) {
      details.push(interpolate(gettext("scopes: %(scopes)s"), { scopes: token.scopes.join(", ") }));
    }
    this.tokenLine.textContent = details.join(" · ");
    const query = this.target(token);
    this.choose.hidden = query !== null;
    this.body.hidden = query === null;
    if (query === null) {
      this.modal.open(returnFocus, part(this.choose, "preview-choose-button"));
      return;
    }
    this.modal.open(returnFocus, this.format);
    this.load();
  }

  current() {
    return this.formats.find((f) => f.id === this.format.value);
  }

  async load() {
    const token = this.token;
    const format = this.current();
    if (!token || !format) return;
    this.filename.textContent = format.filename;
    this.copied.textContent = "";
    this.error.hidden = true;
    this.text.setAttribute("aria-busy", "true");
    this.text.classList.add("pat-is-busy");
    this.loaded = null;
    this.copyButton.disabled = this.downloadButton.disabled = true;
    try {
      const text = await this.api.ideFile(token.id, format.id, this.target(token));
      if (token !== this.token || format !== this.current()) return;
      this.loaded = text;
      this.text.textContent = text;
    } catch (error) {
      if (token !== this.token) return;
      this.text.textContent = "";
      this.error.textContent = error.message;
      this.error.hidden = false;
    } finally {
      this.text.setAttribute("aria-busy", "false");
      this.text.classList.remove("pat-is-busy");
    }
    this.copyButton.disabled = this.downloadButton.disabled = this.loaded === null;
  }

  async copy() {
    if (this.loaded === null) return;
    const copied = await copyText(this.loaded);
    this.copied.textContent = copied
      ? gettext("Copied to the clipboard.")
      : gettext("Copying was not allowed: select the text and copy it.");
  }

  download() {
    const format = this.current();
    if (this.loaded === null || !format) return;
    downloadText(this.loaded, format.filename, mimeType(format.filename));
  }

  clear() {
    this.token = null;
    this.loaded = null;
    this.text.textContent = "";
    this.copied.textContent = "";
    this.error.hidden = true;
  }
}
