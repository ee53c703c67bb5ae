// "Token Successfully Generated" (or "Rotated"): the secret, shown once. Only its Close
// button closes it (Escape does not: the token would be lost), and closing takes the
// secret off the page. IDE settings downloaded from here carry the full token, filled in
// by the browser.

import { h, part, setOptions } from "./dom.js";
import { formatIcon, icon } from "./icons.js";
import { gettext, interpolate } from "./i18n.js";
import { Modal } from "./dialogs.js";
import { copyText, downloadText } from "./clipboard.js";

const MIME_TYPES = { json: "application/json", xml: "application/xml" };

/** The MIME type to save `filename` with. */
export function mimeType(filename) {
  return MIME_TYPES[filename.split(".").pop().toLowerCase()] || "text/plain";
}

/** `text` (a settings file with the token masked as "...last4") with the full `secret`. */
export function fillSecret(text, last4, secret) {
  return text.split(`...${last4}`).join(secret);
}

export class GeneratedDialog {
  /**
   * `downloads(token)` tells whether IDE settings can be offered for the token:
   * `{ formats, query }` when they can, `{ hint }` when they cannot.
   */
  constructor(dialog, { api, downloads, integrations = () => [], chooseIntegration = () => {} }) {
    this.api = api;
    this.downloads = downloads;
    this.integrations = integrations;
    this.chooseIntegration = chooseIntegration;
    this.modal = new Modal(dialog, {
      onClose: () => this.forget(),
      onEscape: () => {
        this.copied.textContent = gettext("The token is shown only now: copy it, then press Close.");
      },
    });
    this.title = part(dialog, "generated-title");
    this.lifetime = part(dialog, "generated-lifetime");
    this.name = part(dialog, "generated-name");
    this.secretField = part(dialog, "generated-secret");
    this.copyButton = part(dialog, "generated-copy");
    this.copied = part(dialog, "generated-copied");
    this.downloadBox = part(dialog, "generated-downloads");
    this.downloadButtons = part(dialog, "generated-download-buttons");
    this.downloadHint = part(dialog, "generated-download-hint");
    this.closeButton = part(dialog, "dismiss");
    // Where the host has integrations, the choice the downloads need is offered right here.
    this.integrationField = part(dialog, "generated-integration-field");
    this.integrationSelect = part(dialog, "generated-integration");
    this.integrationSelect.addEventListener("change", () => {
      if (!this.integrationSelect.value || !this.token) return;
      this.chooseIntegration(this.integrationSelect.value);
      this.offerDownloads();
    });
    this.copyButton.addEventListener("click", () => this.copy());
    this.secretField.addEventListener("focus", () => this.secretField.select());
    this.downloadButtons.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-format]");
      if (button) this.download(button.dataset.format);
    });
  }

  /** Show a new secret; `rotated` tells which title, `note` says what its lifetime is. */
  show({ token, secret }, returnFocus, { rotated = false, note = "" } = {}) {
    this.forget();
    this.title.textContent = rotated ? this.title.dataset.rotated : this.title.dataset.created;
    this.lifetime.textContent = note;
    this.token = token;
    this.secret = secret;
    this.name.textContent = token.name;
    this.secretField.value = secret;
    const integrations = this.integrations();
    this.integrationField.hidden = integrations.length === 0;
    const offered = this.downloads(token);
    setOptions(
      this.integrationSelect,
      [["", gettext("Choose an integration")], ...integrations.map((i) => [i.uid, i.name])],
      offered.query?.integration || "",
    );
    this.offerDownloads();
    this.modal.open(returnFocus, this.copyButton);
  }

  /** The download buttons for the token shown, or the hint saying why there are none. */
  offerDownloads() {
    const offer = this.downloads(this.token);
    this.query = offer.query;
    this.formats = offer.formats || [];
    this.downloadBox.hidden = this.formats.length === 0;
    this.downloadButtons.replaceChildren(
      ...this.formats.map((format) =>
        h(
          "button",
          // The visible text is short so both fit on a line; the name says what it does.
          {
            type: "button",
            class: "pat-button",
            "aria-label": interpolate(gettext("Download %(format)s settings"), { format: format.label }),
            dataset: { format: format.id },
          },
          icon(formatIcon(format.id)),
          interpolate(gettext("%(format)s settings"), { format: format.label }),
        ),
      ),
    );
    this.downloadHint.textContent = offer.hint || "";
    this.downloadHint.hidden = !offer.hint;
  }

  async copy() {
    if (!this.secret) return;
    const copied = await copyText(this.secret, this.secretField);
    if (copied) {
      this.copied.textContent = gettext("Copied to the clipboard.");
    } else {
      this.secretField.focus();
      this.copied.textContent = gettext("Copying was not allowed: the token is selected, press Ctrl+C (or ⌘C) to copy it.");
    }
  }

  async download(formatId) {
    const format = this.formats.find((f) => f.id === formatId);
    if (!format || !this.secret) return;
    const { token, secret } = this;
    try {
      const masked = await this.api.ideFile(token.id, format.id, this.query);
      if (this.secret !== secret) return; // closed meanwhile
      downloadText(fillSecret(masked, token.last4, secret), format.filename, mimeType(format.filename));
      this.copied.textContent = interpolate(gettext("%(filename)s downloaded."), { filename: format.filename });
    } catch (error) {
      this.copied.textContent = error.message;
    }
  }

  /** Take the secret off the page. */
  forget() {
    this.token = null;
    this.secret = null;
    this.query = null;
    this.secretField.value = "";
    this.name.textContent = "";
    this.lifetime.textContent = "";
    this.copied.textContent = "";
    this.downloadButtons.replaceChildren();
  }
}
