// The "New token" form: name, expiration, scopes and project; API errors shown at their field.

import { h, part, setOptions } from "./dom.js";
import { Modal } from "./dialogs.js";
import { expiresAfter, formatDateTime, formatNumber, projectLabel, unitLabel } from "./format.js";
import { gettext, interpolate } from "./i18n.js";
import { ExpiryPresets } from "./presets.js";

const MAX_NAME = 100;

// API field names -> the field (data-error-for) that shows their errors.
const ERROR_SLOTS = { name: "name", description: "description", expiration: "expiration", scopes: "scopes", project_id: "project_id" };

export class TokenForm {
  /** `onCreated(result, returnFocus)` receives the API's {token, secret}. */
  constructor(dialog, { api, clock, onCreated }) {
    this.api = api;
    this.clock = clock;
    this.onCreated = onCreated;
    this.modal = new Modal(dialog, { onClose: () => this.reset() });
    this.form = part(dialog, "form");
    this.name = this.form.elements.name;
    this.unit = this.form.elements.unit;
    this.value = this.form.elements.value;
    this.project = this.form.elements.project_id;
    this.description = this.form.elements.description || null;
    this.valueField = part(dialog, "value-field");
    this.preview = part(dialog, "expires-preview");
    this.scopesField = part(dialog, "scopes-field");
    this.scopes = part(dialog, "scopes");
    this.projectField = part(dialog, "form-project-field");
    this.formError = part(dialog, "form-error");
    this.submitButton = part(dialog, "generate");
    this.presets = new ExpiryPresets(
      { box: part(dialog, "presets"), buttons: part(dialog, "preset-buttons"), date: part(dialog, "custom-date") },
      {
        now: () => this.clock.now(),
        choose: (unit, value, options) => {
          this.unit.value = unit;
          this.value.value = String(value);
          this.clearError("expiration");
          this.showExpiry(options);
        },
      },
    );
    part(dialog, "cancel").addEventListener("click", () => this.modal.close());
    this.unit.addEventListener("change", () => {
      // An error about the value means nothing once there is no value.
      this.clearError("expiration");
      this.showExpiry();
    });
    this.value.addEventListener("input", () => this.showExpiry());
    this.name.addEventListener("input", () => this.checkName());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  /** Fill the choices from GET /meta. */
  configure(meta) {
    this.meta = meta;
    // Where a maximum lifetime is set the API refuses "never"; do not offer it.
    const units = meta.expiration_units.filter((unit) => unit !== "never" || meta.max_lifetime_seconds == null);
    setOptions(this.unit, units.map((unit) => [unit, unitLabel(unit)]));
    this.presets.configure(units, meta.max_lifetime_seconds);

    const scopes = meta.scopes || [];
    this.scopesField.hidden = scopes.length === 0;
    this.scopes.replaceChildren(
      ...scopes.map((scope, index) => {
        const id = `pat-scope-${index}`;
        const help = `${id}-help`;
        return h(
          "div",
          { class: "pat-check" },
          h("input", { type: "checkbox", id, name: "scopes", value: scope.name, "aria-describedby": scope.description ? help : null }),
          h("label", { for: id }, h("code", { text: scope.name })),
          scope.description ? h("span", { class: "pat-help", id: help, text: scope.description }) : null,
        );
      }),
    );

    const projects = meta.projects || [];
    this.projectField.hidden = projects.length === 0;
    setOptions(this.project, [["", gettext("No project")], ...projects.map((p) => [p.id, projectLabel(p)])]);
    this.reset();
  }

  /** Open the form; `prefill` ({name, description, scopes}) fills it in (from the page's URL). */
  open(returnFocus, projectId = "", prefill = null) {
    this.reset();
    if (projectId !== "") this.project.value = String(projectId);
    if (prefill) {
      this.name.value = prefill.name.slice(0, 1000);
      if (this.description) this.description.value = prefill.description;
      // Only scopes the host declares; others are left out, never invented.
      for (const box of this.scopes.querySelectorAll('input[type="checkbox"]')) box.checked = prefill.scopes.includes(box.value);
      this.checkName();
    }
    this.modal.open(returnFocus, this.name);
  }

  reset() {
    if (!this.meta) return;
    this.form.reset();
    const { unit, value } = this.meta.default_expiration;
    if ([...this.unit.options].some((option) => option.value === unit)) this.unit.value = unit;
    this.value.value = value ?? "";
    this.clearErrors();
    this.setBusy(false);
    this.showExpiry();
  }

  showExpiry(options = {}) {
    this.presets.show(this.unit.value, Number(this.value.value), options);
    const never = this.unit.value === "never";
    this.valueField.hidden = never;
    if (never) {
      this.preview.textContent = gettext("This token will never expire. Prefer an expiration date outside development.");
      return;
    }
    const when = expiresAfter(this.unit.value, Number(this.value.value), this.clock.now());
    this.preview.textContent = when === null ? "" : interpolate(gettext("Expires on %(date)s."), { date: formatDateTime(when) });
  }

  /** Say at once when the name is too long, instead of cutting it silently. */
  checkName() {
    const length = this.name.value.trim().length;
    if (length > MAX_NAME) {
      this.setError(
        "name",
        interpolate(gettext("The name has %(count)s characters; shorten it to %(max)s or fewer."), {
          count: formatNumber(length),
          max: formatNumber(MAX_NAME),
        }),
      );
      return false;
    }
    this.clearError("name");
    return true;
  }

  /** Problems the browser can tell before asking the API: an error message per field. */
  localErrors() {
    const errors = {};
    if (!this.checkName()) errors.name = this.form.querySelector('[data-error-for="name"]').textContent;
    const raw = this.value.value.trim();
    if (this.unit.value !== "never" && raw !== "" && !/^\d+$/.test(raw)) {
      errors.expiration = interpolate(gettext("Enter a whole number of %(unit)s, such as 30: “%(value)s” is not one."), {
        unit: unitLabel(this.unit.value).toLowerCase(),
        value: raw,
      });
    }
    return errors;
  }

  setError(key, message) {
    const slot = this.form.querySelector(`[data-error-for="${key}"]`);
    slot.textContent = message;
    this.controlFor(key).setAttribute("aria-invalid", "true");
  }

  clearError(key) {
    const slot = this.form.querySelector(`[data-error-for="${key}"]`);
    slot.textContent = "";
    const controls = key === "expiration" ? [this.unit, this.value] : [this.controlFor(key)];
    for (const control of controls) control.removeAttribute("aria-invalid");
  }

  payload() {
    const unit = this.unit.value;
    const raw = this.value.value.trim();
    const number = Number(raw);
    const body = {
      name: this.name.value,
      description: this.description ? this.description.value : "",
      // A value that is not a whole number goes as typed: the API says what is wrong with it.
      expiration: { unit, value: unit === "never" ? null : raw === "" ? null : Number.isInteger(number) ? number : raw },
    };
    if (!this.scopesField.hidden) {
      body.scopes = [...this.scopes.querySelectorAll("input:checked")].map((box) => box.value);
    }
    if (!this.projectField.hidden && this.project.value !== "") {
      const project = (this.meta.projects || []).find((p) => String(p.id) === this.project.value);
      body.project_id = project ? project.id : this.project.value;
    }
    return body;
  }

  async submit() {
    if (this.busy) return;
    this.clearErrors();
    const local = this.localErrors();
    if (Object.keys(local).length) {
      this.showErrors({ fields: local, message: "" });
      return;
    }
    this.setBusy(true);
    try {
      const result = await this.api.createToken(this.payload());
      const returnFocus = this.modal.returnFocus;
      this.modal.returnFocus = null;
      this.modal.close();
      this.onCreated(result, returnFocus);
    } catch (error) {
      this.showErrors(error);
    } finally {
      this.setBusy(false);
    }
  }

  setBusy(busy) {
    this.busy = busy;
    this.submitButton.disabled = busy;
    this.form.setAttribute("aria-busy", String(busy));
  }

  showErrors(error) {
    const fields = error.fields || {};
    let shown = false;
    let first = null;
    for (const [field, messages] of Object.entries(fields)) {
      const key = ERROR_SLOTS[field.split(".")[0]];
      const slot = key && this.form.querySelector(`[data-error-for="${key}"]`);
      if (!slot || slot.closest("[hidden]")) continue;
      slot.textContent = [].concat(messages).join(" ");
      // No "Expires on" date beside the error that refuses it.
      if (key === "expiration") this.preview.textContent = "";
      const control = this.controlFor(key);
      control.setAttribute("aria-invalid", "true");
      first = first || control;
      shown = true;
    }
    if (!shown) {
      this.formError.textContent = error.message;
      this.formError.hidden = false;
    }
    (first || this.name).focus();
  }

  controlFor(key) {
    if (key === "expiration") return this.unit.value === "never" ? this.unit : this.value;
    if (key === "scopes") return this.scopes.querySelector("input") || this.name;
    if (key === "project_id") return this.project;
    if (key === "description") return this.description;
    return this.name;
  }

  clearErrors() {
    this.formError.hidden = true;
    this.formError.textContent = "";
    for (const slot of this.form.querySelectorAll("[data-error-for]")) slot.textContent = "";
    for (const control of this.form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  }
}
