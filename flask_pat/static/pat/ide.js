// Which IDE settings a token can get: the formats, the integration chosen above the table,
// and the project (never a public one), with a hint saying why when none can be offered.

import { gettext } from "./i18n.js";

export class IdeChoices {
  constructor(formats, integrations, projects) {
    this.formats = formats;
    this.integrations = integrations;
    this.projects = projects;
  }

  projectById(id) {
    if (id === null || id === undefined || id === "") return null;
    return this.projects.find((p) => String(p.id) === String(id)) || null;
  }

  /** Whether the host has integrations and none is chosen in `state` yet. */
  needsIntegration(state) {
    return this.integrations.length > 0 && !state.integration;
  }

  /** The integration and project a token's IDE settings are made for. */
  query(token, state) {
    const project = token.project_id ?? (state.project || null);
    return { integration: state.integration || undefined, project: project ?? undefined };
  }

  /** Whether downloads are offered for `token`: `{formats, query}`, or `{hint}` saying why not. */
  offer(token, state) {
    if (this.formats.length === 0) return { hint: "" };
    if (this.needsIntegration(state)) {
      return { hint: gettext("Choose the integration for these settings to download them with this token filled in.") };
    }
    const query = this.query(token, state);
    if (this.projectById(query.project)?.public) {
      return { hint: gettext("IDE settings are not offered for public projects.") };
    }
    return { formats: this.formats, query };
  }

  /** The line above the table: what to do to get downloads, or nothing. */
  hint(state) {
    if (this.formats.length && this.needsIntegration(state)) {
      return gettext("Choose an Integration to download IDE settings for your tokens.");
    }
    if (this.projectById(state.project)?.public) {
      return gettext("IDE settings downloads are not offered for public projects.");
    }
    return "";
  }
}
