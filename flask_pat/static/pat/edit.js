// A token's name and description, changed from its row (PATCH /tokens/<id>). API errors
// (a name another token has, a description too long) are shown at their field.

import { Modal } from "./dialogs.js";
import { part } from "./dom.js";

export class EditDialog {
  /** `onSave(token, changes)` sends the changes and returns the new token (or throws). */
  constructor(dialog, { onSave }) {
    this.modal = new Modal(dialog, { onClose: () => this.reset() });
    this.onSave = onSave;
    this.name = part(dialog, "edit-name");
    this.description = part(dialog, "edit-description");
    this.error = part(dialog, "edit-error");
    this.save = part(dialog, "edit-save");
    this.slots = { name: dialog.querySelector('[data-edit-error="name"]'), description: dialog.querySelector('[data-edit-error="description"]') };
    part(dialog, "edit-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  open(token, returnFocus) {
    this.reset();
    this.token = token;
    this.name.value = token.name;
    this.description.value = token.description || "";
    this.modal.open(returnFocus, this.name);
  }

  /** Only what changed is sent. */
  changes() {
    const changes = {};
    if (this.name.value !== this.token.name) changes.name = this.name.value;
    if (this.description.value !== (this.token.description || "")) changes.description = this.description.value;
    return changes;
  }

  async submit() {
    if (!this.token || this.busy) return;
    this.clearErrors();
    const changes = this.changes();
    if (Object.keys(changes).length === 0) {
      this.modal.close();
      return;
    }
    this.busy = true;
    this.save.disabled = true;
    try {
      await this.onSave(this.token, changes);
      this.modal.close();
    } catch (error) {
      this.show(error);
    } finally {
      this.busy = false;
      this.save.disabled = false;
    }
  }

  show(error) {
    let first = null;
    for (const [field, messages] of Object.entries(error.fields || {})) {
      const slot = this.slots[field];
      if (!slot) continue;
      slot.textContent = [].concat(messages).join(" ");
      const control = field === "name" ? this.name : this.description;
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
    if (!first && error.code === "conflict") {
      this.slots.name.textContent = error.message;
      this.name.setAttribute("aria-invalid", "true");
      first = this.name;
    }
    if (!first) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
    (first || this.name).focus();
  }

  clearErrors() {
    this.error.hidden = true;
    this.error.textContent = "";
    for (const slot of Object.values(this.slots)) slot.textContent = "";
    for (const control of [this.name, this.description]) control.removeAttribute("aria-invalid");
  }

  reset() {
    this.clearErrors();
    this.token = null;
    this.busy = false;
    this.save.disabled = false;
    this.name.value = "";
    this.description.value = "";
  }
}
