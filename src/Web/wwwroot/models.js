// The models page: registered models, versions, metrics, aliases, stages; promotion with the admin token.
"use strict";

(() => {
  const $ = id => document.getElementById(id);
  let data = null;

  load();

  async function load() {
    const response = await fetch("/api/models");
    if (!response.ok) {
      const error = $("error");
      error.textContent = MMCS.formatProblem(await MMCS.problem(response));
      error.hidden = false;
      return;
    }
    data = await response.json();
    render();
  }

  function render() {
    $("serving").textContent = data.serving
      ? `Predictions are answered by ${data.serving} (${data.default_model}).`
      : `The server's model ${data.default_model} is not available${data.serving_error ? ": " + data.serving_error : "."}`;
    $("promotion-note").textContent = data.promotion_enabled
      ? "Promotion needs the server's admin token (MMCS_ADMIN_TOKEN)."
      : "Promotion over HTTP is disabled on this server: it was started without MMCS_ADMIN_TOKEN.";
    const box = $("models");
    box.replaceChildren();
    if (!data.models.length) {
      box.append(MMCS.el("p", { class: "hint", text: `No registered models in ${data.tracking_uri}. Train one with ./mmcs demo.` }));
    }
    for (const m of data.models) box.append(modelCard(m));
    fillForm();
  }

  function modelCard(m) {
    const card = MMCS.el("section", { class: "model", "data-model": m.name });
    const aliases = Object.entries(m.aliases).map(([a, v]) => `${a} → ${v}`).join(", ");
    card.append(MMCS.el("h3", { text: m.name }),
      MMCS.el("p", { class: "hint", text: (m.description ? m.description + " · " : "") + (aliases ? "aliases: " + aliases : "no aliases") }));
    const table = MMCS.el("table", { class: "versions" });
    table.append(MMCS.el("thead", {}, MMCS.el("tr", {},
      ...["version", "aliases", "stage", "test accuracy", "test macro-F1", "created", "run"].map(h => MMCS.el("th", { text: h })))));
    const body = MMCS.el("tbody");
    for (const v of m.versions) {
      const aliasCell = MMCS.el("td", { class: "aliases" });
      for (const a of v.aliases) aliasCell.append(MMCS.el("span", { class: "badge" + (a === "champion" ? " champion" : ""), text: a }), " ");
      body.append(MMCS.el("tr", { "data-version": v.version },
        MMCS.el("td", { text: v.version }),
        aliasCell,
        MMCS.el("td", {}, MMCS.el("span", { class: "stage stage-" + v.stage.toLowerCase(), text: v.stage })),
        MMCS.el("td", { class: "num", text: metric(v.metrics.test_accuracy) }),
        MMCS.el("td", { class: "num", text: metric(v.metrics.test_macro_f1) }),
        MMCS.el("td", { text: v.created ? new Date(v.created).toISOString().replace("T", " ").slice(0, 16) : "" }),
        MMCS.el("td", { class: "mono", text: v.run_id ? v.run_id.slice(0, 8) : "", title: v.run_id || "" })));
      if (v.description) {
        body.append(MMCS.el("tr", { class: "desc" }, MMCS.el("td", { colspan: "7", text: v.description })));
      }
    }
    table.append(body);
    card.append(table);
    return card;
  }

  function metric(x) { return typeof x === "number" ? x.toFixed(3) : "–"; }

  function fillForm() {
    const model = $("p-model"), version = $("p-version");
    const previous = model.value;
    model.replaceChildren(...data.models.map(m => MMCS.el("option", { value: m.name, text: m.name })));
    if (previous && data.models.some(m => m.name === previous)) model.value = previous;
    const versions = () => {
      const m = data.models.find(x => x.name === model.value);
      version.replaceChildren(...(m ? m.versions : []).map(v => MMCS.el("option", { value: v.version, text: `${v.version} (${v.current_stage || v.stage})` })));
    };
    model.onchange = versions;
    versions();
  }

  $("promote").addEventListener("submit", async e => {
    e.preventDefault();
    const out = $("promote-result");
    out.className = "status";
    const name = $("p-model").value, version = $("p-version").value;
    if (!name || !version) { out.textContent = "Choose a model and a version."; return; }
    const body = { alias: $("p-alias").value.trim() || null, stage: $("p-stage").value || null, archive_existing: $("p-archive").checked };
    const headers = { "Content-Type": "application/json" };
    const token = $("p-token").value.trim();
    if (token) headers["Authorization"] = "Bearer " + token;
    out.textContent = "Promoting…";
    try {
      const response = await fetch(`/api/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/promote`,
        { method: "POST", headers, body: JSON.stringify(body) });
      if (!response.ok) {
        out.className = "status refused";
        out.textContent = "Refused: " + MMCS.formatProblem(await MMCS.problem(response));
        return;
      }
      const v = await response.json();
      out.className = "status ok";
      out.textContent = `Promoted ${v.name} version ${v.version}: stage ${v.stage}, aliases ${v.aliases.join(", ") || "none"}.`;
      await load();
    } catch (err) {
      out.className = "status refused";
      out.textContent = "The server could not be reached: " + err.message;
    }
  });
})();
