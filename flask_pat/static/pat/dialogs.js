// Modal dialogs on native <dialog>: showModal() traps focus and Escape closes; this adds
// focus return to the opener (or to where it went if the table was redrawn meanwhile).

import { part } from "./dom.js";

export class Modal {
  /**
   * `dialog` is a <dialog>; its [data-pat="dismiss"] buttons close it. With `lightDismiss`,
   * a click on the backdrop closes it too. `onClose` runs after it closes. With
   * `onEscape`, Escape does not close it: `onEscape()` runs instead (for what must not be
   * lost by a stray key, as the once-only token).
   */
  constructor(dialog, { onClose = () => {}, lightDismiss = false, onEscape = null } = {}) {
    this.dialog = dialog;
    this.onClose = onClose;
    this.returnFocus = null;
    this.closing = false;
    for (const button of dialog.querySelectorAll('[data-pat="dismiss"]')) {
      button.addEventListener("click", () => this.close());
    }
    if (onEscape) {
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        onEscape();
      });
    }
    dialog.addEventListener("close", () => {
      if (onEscape && !this.closing) {
        // The browser closed it anyway (a second Escape without a click in between may):
        // open it again, it was not asked for.
        dialog.showModal();
        onEscape();
        return;
      }
      this.closing = false;
      this.closed();
    });
    if (lightDismiss) {
      dialog.addEventListener("click", (event) => {
        if (event.target !== dialog) return;
        const box = dialog.getBoundingClientRect();
        const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
        if (!inside) this.close();
      });
    }
  }

  get isOpen() {
    return this.dialog.open;
  }

  /**
   * Open, focusing `focusTarget` (else the first control). `returnFocus` is the element to
   * focus on close, or a function that focuses the right element and returns true.
   */
  open(returnFocus, focusTarget = null) {
    this.returnFocus = returnFocus;
    if (!this.dialog.open) this.dialog.showModal();
    if (focusTarget) focusTarget.focus();
  }

  close() {
    if (!this.dialog.open) return;
    this.closing = true;
    this.dialog.close();
  }

  closed() {
    this.onClose();
    const target = this.returnFocus;
    this.returnFocus = null;
    // The browser may already have moved focus back; make sure it lands somewhere useful.
    queueMicrotask(() => restoreFocus(target));
  }
}

export function restoreFocus(target) {
  if (typeof target === "function") {
    target();
  } else if (target && target.isConnected && !target.disabled) {
    target.focus();
  }
}

/** A yes/no dialog whose form submits with the confirm button; `ask()` resolves true/false. */
export class ConfirmDialog {
  constructor(dialog, nameSlot) {
    this.dialog = dialog;
    this.modal = new Modal(dialog, { onClose: () => this.settle(false) });
    this.nameSlot = nameSlot;
    this.resolve = null;
    dialog.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.settle(true);
      this.modal.close();
    });
    // Destructive: open on Cancel, so a second Enter does not confirm what the first opened.
    this.cancelButton = part(dialog, "dismiss");
  }

  ask(name, returnFocus) {
    this.settle(false);
    this.nameSlot.textContent = name;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.modal.open(returnFocus, this.cancelButton);
    });
  }

  settle(answer) {
    if (this.resolve) {
      const resolve = this.resolve;
      this.resolve = null;
      resolve(answer);
    }
  }
}

/**
 * "Type the token's name to delete it": the Delete button is enabled only while the typed
 * text equals the name exactly. `onConfirm(token)` performs the deletion and may throw an
 * ApiError, which is shown in the dialog.
 */
export class DeleteDialog {
  constructor(dialog, { onConfirm }) {
    this.modal = new Modal(dialog, { onClose: () => this.reset() });
    this.onConfirm = onConfirm;
    this.token = null;
    this.input = part(dialog, "delete-input");
    this.button = part(dialog, "delete-confirm");
    this.error = part(dialog, "delete-error");
    this.caseHint = part(dialog, "delete-case");
    this.names = [part(dialog, "delete-name"), part(dialog, "delete-name-again")];
    this.input.addEventListener("input", () => this.update());
    part(dialog, "delete-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.confirm();
    });
  }

  open(token, returnFocus) {
    this.reset();
    this.token = token;
    for (const slot of this.names) slot.textContent = token.name;
    this.modal.open(returnFocus, part(this.modal.dialog, "dismiss"));
  }

  matches() {
    return this.token !== null && this.input.value === this.token.name;
  }

  update() {
    this.button.disabled = !this.matches() || this.busy;
    // Say why Delete stays off when only the case differs ("ci deploy" for "CI deploy").
    const caseOnly = this.token !== null && !this.matches() && this.input.value.toLowerCase() === this.token.name.toLowerCase();
    this.caseHint.hidden = !caseOnly;
  }

  async confirm() {
    if (!this.matches() || this.busy) return;
    this.busy = true;
    this.update();
    this.error.hidden = true;
    try {
      await this.onConfirm(this.token);
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
    this.token = null;
    this.busy = false;
    this.input.value = "";
    this.error.hidden = true;
    this.error.textContent = "";
    for (const slot of this.names) slot.textContent = "";
    this.update();
  }
}
