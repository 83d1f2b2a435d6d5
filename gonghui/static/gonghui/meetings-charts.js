/* Charts for the meetings pages (vendored ECharts; no CDN). Each chart is a <div data-chart=...> with
   its data in a <script type="application/json"> next to it, so the page works and reads without JS. */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function funnel(el, stages) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#c8102e", "#e0533d", "#f08c5a", "#f7b98b", "#fbe0c4"],
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "30%", gap: 2,
        label: { show: true, position: "inside", formatter: "{b}\n{c}", color: "#fff", fontSize: 13 },
        data: stages
      }]
    });
    return chart;
  }
  function bars(el, item) {
    // One bar row per choice, so a long list of choices is not squeezed.
    el.style.height = Math.max(140, 34 * item.labels.length + 40) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#c8102e"],
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: item.labels, axisLabel: { width: 140, overflow: "break" } },
      series: [{ type: "bar", data: item.values, label: { show: true, position: "right" } }]
    });
    return chart;
  }
  function start() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart=funnel]").forEach(function (el) {
      var stages = data(el.dataset.source);
      if (stages && stages.length) { charts.push(funnel(el, stages)); }
    });
    var results = data("chart-data");
    if (results) {
      results.forEach(function (item) {
        var el = document.getElementById("chart-q" + item.id);
        if (el) { charts.push(bars(el, item)); }
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
