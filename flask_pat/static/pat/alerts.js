// The page's alert: why something failed, with one way out (Dismiss, Try again, Sign in again).

import { h } from "./dom.js";
import { icon } from "./icons.js";

export class AlertBox {
  constructor(element) {
    this.element = element;
  }

  /** The kind of message shown ("error", "load", "session"), or undefined. */
  get kind() {
    return this.element.dataset.kind;
  }

  /** Show `message` with `action`: `{label, onClick}` for a button, `{label, href}` for a link. */
  show(message, action, kind = "error") {
    const control = action.href
      ? h("a", { class: "pat-button", href: action.href, text: action.label })
      : h("button", { type: "button", class: "pat-button", text: action.label });
    if (!action.href) control.addEventListener("click", action.onClick);
    this.element.dataset.kind = kind;
    this.element.replaceChildren(icon("alert"), h("p", { text: message }), control);
    this.element.hidden = false;
  }

  clear() {
    this.element.hidden = true;
    this.element.replaceChildren();
    delete this.element.dataset.kind;
  }

  focusAction() {
    this.element.querySelector("a, button")?.focus();
  }
}
