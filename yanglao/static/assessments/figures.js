// Level distribution: a stacked bar per division (data from the json_script element; no inline script).
(function () {
  "use strict";
  var holder = document.getElementById("level-chart");
  var source = document.getElementById("level-chart-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colors = ["#67c23a", "#409eff", "#e6a23c", "#f56c6c", "#8b1a1a", "#c0c4cc"];
  var chart = echarts.init(holder);
  chart.setOption({
    color: colors,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 50, bottom: 60, containLabel: true },
    xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 40 : 0 } },
    yAxis: { type: "value", name: "人数" },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "total", data: s.data }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
