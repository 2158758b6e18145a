// The 15-minute circle as a scatter on longitude/latitude (no online tiles): data from the json_script element.
(function () {
  "use strict";
  var holder = document.getElementById("circle-map");
  var source = document.getElementById("circle-map-data");
  if (!holder || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var size = function (v) { return Math.max(5, Math.min(28, Math.sqrt(v[2] || 0) * 1.6)); };
  var tip = function (p) {
    var v = p.data;
    if (p.seriesIndex === 2) return v[2];
    return v[3] + "<br>老年人 " + v[2] + " 人<br>" + (v[4] === null ? "无可达设施" : "步行 " + v[4] + " 分钟");
  };
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "item", formatter: tip },
    legend: { top: 0, data: ["圈内", "圈外", "设施"] },
    grid: { left: 10, right: 20, top: 40, bottom: 30, containLabel: true },
    xAxis: { type: "value", scale: true, name: "经度", axisLabel: { formatter: function (v) { return v.toFixed(2); } } },
    yAxis: { type: "value", scale: true, name: "纬度", axisLabel: { formatter: function (v) { return v.toFixed(2); } } },
    dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" }, { type: "inside", yAxisIndex: 0, filterMode: "none" }],
    series: [
      { name: "圈内", type: "scatter", data: data.inside, symbolSize: size, itemStyle: { color: "#67c23a", opacity: 0.75 } },
      { name: "圈外", type: "scatter", data: data.outside, symbolSize: size, itemStyle: { color: "#f56c6c", opacity: 0.75 } },
      { name: "设施", type: "scatter", data: data.facilities, symbol: "diamond", symbolSize: 11, itemStyle: { color: "#409eff" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
