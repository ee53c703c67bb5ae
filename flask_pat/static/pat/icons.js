// Line icons as SVG built with DOM calls (no markup strings), 24x24, drawn in currentColor.

const SVG = "http://www.w3.org/2000/svg";
const CIRCLE = "M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20";

const PATHS = {
  plus: ["M12 5v14", "M5 12h14"],
  eye: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6"],
  download: ["M12 3v12", "M7 10l5 5 5-5", "M5 21h14"],
  revoke: [CIRCLE, "M5 5l14 14"],
  restore: ["M9 14L4 9l5-5", "M4 9h10.5a5.5 5.5 0 0 1 0 11H11"],
  rotate: ["M21 12a9 9 0 0 1-15.4 6.4L3 16", "M3 21v-5h5", "M3 12a9 9 0 0 1 15.4-6.4L21 8", "M21 3v5h-5"],
  trash: ["M3 6h18", "M8 6V4h8v2", "M5.5 6l1 15h11l1-15", "M10 11v6", "M14 11v6"],
  check: ["M5 12l5 5L20 7"],
  checkCircle: [CIRCLE, "M8 12l3 3 5-6"],
  warning: ["M12 3L2 21h20z", "M12 10v4", "M12 17.5v.5"],
  xCircle: [CIRCLE, "M9 9l6 6", "M15 9l-6 6"],
  alert: [CIRCLE, "M12 7v6", "M12 16.5v.5"],
  key: ["M7.5 11a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9", "M10.7 12.3L20 3", "M15 8l3 3", "M18 5l2 2"],
  history: ["M3 12a9 9 0 1 0 3-6.7L3 8", "M3 3v5h5", "M12 7v5l3 3"],
  x: ["M6 6l12 12", "M18 6L6 18"],
  pencil: ["M4 20h4L19 9l-4-4L4 16z", "M13.5 6.5l4 4"],
  sortNone: ["M8 9l4-4 4 4", "M8 15l4 4 4-4"],
  sortUp: ["M12 19V5", "M6 11l6-6 6 6"],
  sortDown: ["M12 5v14", "M6 13l6 6 6-6"],
  // IDE settings: code brackets for VSCode, a framed square for JetBrains, each with the
  // download arrow, so the two buttons of a row tell apart without their labels.
  vscode: ["M7 7l-5 5 5 5", "M17 7l5 5-5 5", "M12 5v11", "M9 13l3 3 3-3"],
  jetbrains: ["M4 4h16v16H4z", "M8 16.5h5", "M12 7v6", "M9.5 10.5l2.5 2.5 2.5-2.5"],
};

/** The icon of an IDE settings format (the download arrow for one without its own). */
export function formatIcon(formatId) {
  return ["vscode", "jetbrains"].includes(formatId) ? formatId : "download";
}

/** Fill an existing <svg> with the icon `name`. */
export function drawIcon(svg, name) {
  svg.replaceChildren(
    ...PATHS[name].map((d) => {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      return path;
    }),
  );
  return svg;
}

/** A new decorative <svg> icon (hidden from assistive technology). */
export function icon(name, extraClass = "") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", `pat-icon ${extraClass}`.trim());
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  return drawIcon(svg, name);
}
