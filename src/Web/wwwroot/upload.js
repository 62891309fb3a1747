// The upload page: send a song to /api/predict, play it, show the mood, a probability chart per model,
// the mel spectrogram and the mood timeline.
"use strict";

(() => {
  const $ = id => document.getElementById(id);
  const drop = $("drop"), input = $("file"), status = $("status"), error = $("error"), result = $("result");
  const audio = $("audio");
  let maxBytes = null, objectUrl = null, songSeconds = 0, busy = false;

  fetch("/healthz").then(r => r.ok ? r.json() : null).then(h => {
    if (h && h.max_upload_bytes) {
      maxBytes = h.max_upload_bytes;
      $("limit").textContent = `Up to ${MMCS.megabytes(maxBytes)}.`;
    }
  }).catch(() => { /* the page still works */ });

  input.addEventListener("change", () => { if (input.files.length) analyse(input.files[0]); });
  drop.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, e => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "dragend"]) drop.addEventListener(type, () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) analyse(file);
  });
  audio.addEventListener("timeupdate", () => {
    if (songSeconds > 0) $("playhead").style.left = Math.min(100, 100 * audio.currentTime / songSeconds) + "%";
  });

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    status.textContent = "";
  }

  async function analyse(file) {
    if (busy) return;
    error.hidden = true;
    if (maxBytes && file.size > maxBytes) {
      showError(`"${file.name}" is ${MMCS.megabytes(file.size)}, more than this server's limit of ${MMCS.megabytes(maxBytes)}.`);
      return;
    }
    busy = true;
    drop.classList.add("busy");
    status.textContent = `Analysing "${file.name}"…`;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(file);
    audio.src = objectUrl;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const response = await fetch("/api/predict?spectrogram=true", { method: "POST", body: form });
      if (!response.ok) {
        result.hidden = true;
        showError(MMCS.formatProblem(await MMCS.problem(response)));
        return;
      }
      render(await response.json());
      status.textContent = "";
    } catch (e) {
      result.hidden = true;
      showError("The server could not be reached: " + e.message);
    } finally {
      busy = false;
      drop.classList.remove("busy");
      input.value = "";
    }
  }

  function render(r) {
    const labels = MMCS.orderLabels(r.labels || Object.keys(r.probabilities));
    songSeconds = r.seconds;
    $("file-name").textContent = r.file;
    const mood = $("mood");
    mood.textContent = r.mood;
    mood.dataset.mood = r.mood;
    mood.style.color = MMCS.color(r.mood);
    $("answered-by").textContent = `by ${r.model} in ${Math.round(r.elapsed_ms)} ms`;
    $("seconds").textContent = `${r.seconds.toFixed(1)} s, ${r.windows.length} window${r.windows.length === 1 ? "" : "s"}`;

    const charts = $("charts");
    charts.replaceChildren();
    const members = Object.keys(r.members || {});
    charts.append(chart(members.length ? "ensemble" : "model", members.length ? "Ensemble (answer)" : "Model", r.probabilities, labels, r.mood));
    for (const name of members) charts.append(chart(name, memberTitle(name), r.members[name], labels, null));

    const mel = $("mel");
    if (r.spectrogram) { mel.src = r.spectrogram; mel.hidden = false; } else { mel.hidden = true; }
    timeline(r, labels);
    result.hidden = false;
  }

  function memberTitle(name) {
    if (name === "tabular") return "1D features (AutoML)";
    if (name.startsWith("cnn2d-")) return "2D CNN · " + name.slice(6);
    if (name.startsWith("cnn1d")) return "1D CNN";
    if (name.startsWith("pair-")) return "Pair specialist · " + name.slice(5);
    return name;
  }

  function chart(key, title, probabilities, labels, winner) {
    const best = winner || labels.reduce((a, b) => (probabilities[b] > probabilities[a] ? b : a), labels[0]);
    const box = MMCS.el("div", { class: "chart", "data-chart": key }, MMCS.el("h3", { text: title }));
    for (const label of labels) {
      const p = probabilities[label] ?? 0;
      box.append(MMCS.el("div", { class: "row" + (label === best ? " best" : ""), "data-label": label },
        MMCS.el("span", { class: "name", text: label }),
        MMCS.el("span", { class: "track" }, MMCS.el("span", { class: "fill", style: { width: (100 * p).toFixed(1) + "%", background: MMCS.color(label) } })),
        MMCS.el("span", { class: "value", text: MMCS.percent(p) })));
    }
    return box;
  }

  function timeline(r, labels) {
    const line = $("timeline"), caption = $("timeline-caption");
    line.querySelectorAll(".segment").forEach(s => s.remove());
    $("playhead").style.left = "0%";
    const total = Math.max(r.seconds, 1e-6);
    const windows = r.windows;
    windows.forEach((w, i) => {
      const end = i + 1 < windows.length ? windows[i + 1].start : Math.min(total, w.start + r.excerpt_seconds);
      const left = 100 * w.start / total, width = Math.max(0.5, 100 * (Math.max(end, w.start) - w.start) / total);
      const tip = `${clock(w.start)}: ${w.mood} (` + labels.map(l => `${l} ${MMCS.percent(w.probabilities[l] ?? 0)}`).join(", ") + ")";
      line.append(MMCS.el("div", { class: "segment", "data-mood": w.mood, title: tip,
        style: { left: left + "%", width: width + "%", background: MMCS.color(w.mood) } }));
    });
    caption.replaceChildren();
    caption.append(windows.length > 1
      ? `Mood of each ${r.excerpt_seconds} s window across the song (hover for its probabilities). `
      : `The whole clip was analysed at once. `);
    for (const l of labels) caption.append(MMCS.el("span", { class: "legend", style: { background: MMCS.color(l) } }), ` ${l} `);
  }

  function clock(s) {
    const m = Math.floor(s / 60), sec = Math.floor(s % 60);
    return `${m}:${String(sec).padStart(2, "0")}`;
  }
})();
