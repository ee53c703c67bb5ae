// The framework's own script: it marks the page, so a test can see it ran under the CSP.
document.documentElement.dataset.fw = "ready";
