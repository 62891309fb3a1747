// Shared helpers of the MMCS pages (no framework, no build step).
"use strict";

const MMCS = (() => {
  const ORDER = ["happy", "angry", "sad", "relaxed"];
  const COLORS = { happy: "#e8a600", angry: "#d7301f", sad: "#3567c9", relaxed: "#2a9d6f" };

  /** The labels in the canonical order (happy, angry, sad, relaxed), then any others. */
  function orderLabels(labels) {
    const known = ORDER.filter(l => labels.includes(l));
    return known.concat(labels.filter(l => !ORDER.includes(l)));
  }

  function color(label) { return COLORS[label] || "#777"; }

  function percent(p) { return (100 * p).toFixed(1) + " %"; }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k === "style") Object.assign(e.style, v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  /** A readable message from an error response (RFC 7807 problem details, or whatever came back). */
  async function problem(response) {
    let text = "";
    try { text = await response.text(); } catch (_) { /* ignore */ }
    try {
      const p = JSON.parse(text);
      const title = p.title || response.statusText || "Request failed";
      return { status: response.status, title, detail: p.detail || "", code: p.error_code || "" };
    } catch (_) {
      return { status: response.status, title: response.statusText || "Request failed", detail: text.slice(0, 300), code: "" };
    }
  }

  function formatProblem(p) {
    return `${p.status} ${p.title}` + (p.detail ? `: ${p.detail}` : "");
  }

  function megabytes(bytes) { return (bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1) + " MB"; }

  return { orderLabels, color, percent, el, problem, formatProblem, megabytes };
})();
