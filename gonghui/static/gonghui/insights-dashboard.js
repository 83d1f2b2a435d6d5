/* Charts and the big screen for the leaders' dashboards (vendored ECharts; no CDN). The data of every
   chart is in <script id="insights-charts" type="application/json">; each chart draws into #chart-<key>.
   The figures and tables are in the page itself, so it reads without JavaScript. */
(function () {
  "use strict";
  var COLORS = ["#c8102e", "#1f6feb", "#2a9d8f", "#e9a23b", "#7b61ff", "#8c6d62"];

  function option(item, dark) {
    var text = dark ? "#e8eefc" : "#333";
    if (item.kind === "funnel") {
      return {
        color: ["#c8102e", "#d63a3a", "#e0533d", "#b5452f", "#8f3424"],
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        series: [{
          type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "20%", gap: 2,
          label: { show: true, position: "inside", formatter: "{b}  {c}", color: "#fff", fontSize: 13 },
          data: item.series
        }]
      };
    }
    var stacked = item.series.length > 1;
    return {
      color: COLORS,
      textStyle: { color: text },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: stacked ? { top: 0, textStyle: { color: text } } : undefined,
      grid: { left: 8, right: 16, top: stacked ? 56 : 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: item.categories, axisLabel: { color: text } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: text } },
      series: item.series.map(function (s) {
        return { type: item.kind === "line" ? "line" : "bar", name: s.name, data: s.data,
                 stack: stacked ? "total" : undefined, label: { show: !stacked, position: "top", color: text } };
      })
    };
  }

  function start() {
    var screen = document.querySelector("[data-screen]");
    var button = document.querySelector("[data-fullscreen]");
    if (button) {
      button.addEventListener("click", function () {
        if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
      });
    }
    if (screen && screen.dataset.refreshSeconds) {
      // The big screen stays up all day: fetch fresh figures now and then.
      setTimeout(function () { window.location.reload(); }, 1000 * Number(screen.dataset.refreshSeconds));
    }
    var node = document.getElementById("insights-charts");
    if (typeof echarts === "undefined" || !node) { return; }
    var charts = [];
    JSON.parse(node.textContent).forEach(function (item) {
      var el = document.getElementById("chart-" + item.key);
      if (!el) { return; }
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(item, Boolean(screen)));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
