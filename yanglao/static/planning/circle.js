// The 15-minute circle as a scatter on longitude/latitude (no online tiles): data from the json_script element.
(function () {
  "use strict";
  var holder = document.getElementById("circle-map");
  var source = document.getElementById("circle-map-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var size = function (v) { return Math.max(8, Math.min(40, Math.sqrt(v[2] || 0) * 2.5)); };
  var deg = function (v) { return String(Math.round(v * 1000) / 1000); };
  var tip = function (p) {
    var v = p.data;
    if (p.seriesIndex === 2) return v[2];
    return v[3] + "<br>" + L.older + " " + v[2] + "<br>" + (v[4] === null ? L.none : L.walk + " " + v[4]);
  };
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "item", formatter: tip },
    legend: { top: 0, data: [L.inside, L.outside, L.facilities] },
    grid: { left: 10, right: 20, top: 40, bottom: 30, containLabel: true },
    xAxis: { type: "value", scale: true, name: L.lon, axisLabel: { formatter: deg } },
    yAxis: { type: "value", scale: true, name: L.lat, axisLabel: { formatter: deg } },
    dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" }, { type: "inside", yAxisIndex: 0, filterMode: "none" }],
    series: [
      { name: L.inside, type: "scatter", data: data.inside, symbolSize: size, itemStyle: { color: "#67c23a", opacity: 0.75 } },
      { name: L.outside, type: "scatter", data: data.outside, symbolSize: size, itemStyle: { color: "#f56c6c", opacity: 0.75 } },
      { name: L.facilities, type: "scatter", data: data.facilities, symbol: "diamond", symbolSize: 11, itemStyle: { color: "#409eff" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
