// "Revoke all": every live token of the signed-in user stops working at once, after the
// person types "revoke all" (or its translation). Opens on Cancel, as every destructive
// dialog here does.

import { Modal } from "./dialogs.js";
import { part } from "./dom.js";
import { gettext } from "./i18n.js";

/** The phrase to type, in the page's language. */
export function revokeAllPhrase() {
  return gettext("revoke all");
}

export class RevokeAllDialog {
  /** `onConfirm()` revokes (it may throw an ApiError, shown in the dialog). */
  constructor(dialog, { onConfirm }) {
    this.modal = new Modal(dialog, { onClose: () => this.reset() });
    this.onConfirm = onConfirm;
    this.input = part(dialog, "revoke-all-input");
    this.button = part(dialog, "revoke-all-confirm");
    this.error = part(dialog, "revoke-all-error");
    part(dialog, "revoke-all-phrase").textContent = revokeAllPhrase();
    this.input.addEventListener("input", () => this.update());
    part(dialog, "revoke-all-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.confirm();
    });
  }

  open(returnFocus) {
    this.reset();
    this.modal.open(returnFocus, part(this.modal.dialog, "dismiss"));
  }

  matches() {
    // Typed as said: spacing and case aside, so "Revoke all " counts.
    const typed = this.input.value.trim().replace(/\s+/g, " ").toLocaleLowerCase();
    return typed === revokeAllPhrase().toLocaleLowerCase();
  }

  update() {
    this.button.disabled = !this.matches() || this.busy;
  }

  async confirm() {
    if (!this.matches() || this.busy) return;
    this.busy = true;
    this.update();
    this.error.hidden = true;
    try {
      await this.onConfirm();
      this.modal.close();
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    } finally {
      this.busy = false;
      this.update();
    }
  }

  reset() {
    this.busy = false;
    this.input.value = "";
    this.error.hidden = true;
    this.error.textContent = "";
    this.update();
  }
}
