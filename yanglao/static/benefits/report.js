// Month-over-month chart on the benefits report page (data from the json_script block).
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("benefits-chart");
  var source = document.getElementById("benefits-chart-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["人数", "金额（元）"] },
    grid: { left: 60, right: 70, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: "人数" }, { type: "value", name: "金额（元）" }],
    series: [
      { name: "人数", type: "bar", data: data.people, itemStyle: { color: "#409eff" } },
      { name: "金额（元）", type: "line", yAxisIndex: 1, data: data.amount, itemStyle: { color: "#e6a23c" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
