// Draws each chart of the page with uPlot from the JSON the server wrote
// beside it (labels already in the page's language). Nothing else on the
// pages needs script: htmx updates the findings table, and every link and
// form works without it.
(function () {
  "use strict";
  // A null value is a point with nothing to measure: uPlot leaves a gap
  // in the line there, and the legend shows nothing.
  function fmt(data) {
    if (data.kind === "hours") return function (v) { return v == null ? "" : v.toLocaleString() + " h"; };
    if (data.kind === "percent") return function (v) { return v == null ? "" : v.toLocaleString() + "%"; };
    if (data.kind !== "money") return function (v) { return v == null ? "" : v.toLocaleString(); };
    var nf;
    try { nf = new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: data.currency || "USD" }); }
    catch (e) { nf = new Intl.NumberFormat(); }
    return function (v) { return v == null ? "" : nf.format(v); };
  }
  function draw(el) {
    var src = document.getElementById(el.dataset.chart);
    if (!src || typeof uPlot === "undefined") return;
    var data = JSON.parse(src.textContent);
    if (!data.x || data.x.length === 0) { el.textContent = el.dataset.empty || ""; return; }
    var f = fmt(data);
    var palette = ["#0b6bcb", "#dc2626", "#f97316", "#ca8a04", "#3b82f6", "#8a94a6"];
    var series = [{ label: data.x_label || "" }];
    var cols = [data.x];
    data.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: s.color || palette[i % palette.length], width: 2, points: { show: data.x.length < 40 }, value: function (u, v) { return f(v); } });
      cols.push(s.values);
    });
    var opts = {
      width: Math.max(el.clientWidth, 300), height: 240, series: series,
      axes: [{}, { values: function (u, vals) { return vals.map(f); }, size: 80 }],
      scales: { y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } }
    };
    el.textContent = "";
    el.classList.add("drawn");
    new uPlot(opts, cols, el);
  }
  function all() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
