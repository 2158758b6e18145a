/* The care homes on a map: an ECharts scatter of longitude/latitude (WGS-84) from the data island
   #homes-map-data (json_script). Green: a nursing bed free; grey: none. A point opens the home's page.
   The list beside the map carries the same information for screen readers (the map is aria-hidden). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("homes-map");
    var data = document.getElementById("homes-map-data");
    if (!el || !data || !window.echarts) return;
    var points = JSON.parse(data.textContent || "[]");
    if (!points.length) return;
    var contrast = document.documentElement.classList.contains("pt-contrast");
    var lons = points.map(function (p) { return p.value[0]; });
    var lats = points.map(function (p) { return p.value[1]; });
    var pad = 0.05;
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: el.clientWidth > 600 ? 140 : 8, top: 8, bottom: 8 },
      xAxis: { type: "value", min: Math.min.apply(null, lons) - pad, max: Math.max.apply(null, lons) + pad, show: false },
      yAxis: { type: "value", min: Math.min.apply(null, lats) - pad, max: Math.max.apply(null, lats) + pad, show: false },
      tooltip: {
        trigger: "item", textStyle: { fontSize: 16 },
        formatter: function (p) {
          var d = p.data;
          return d.name + "<br>" + d.township + " · " + (d.star || "") + "<br>护理型空床 " + d.value[2] + " 张，空床合计 " + d.vacant + " 张";
        }
      },
      series: [{
        type: "scatter",
        data: points,
        symbolSize: function (v) { return 16 + Math.min(v[2], 20); },
        itemStyle: {
          color: function (p) { return p.data.value[2] > 0 ? (contrast ? "#ffeb3b" : "#1b7f3b") : "#888"; },
          borderColor: contrast ? "#fff" : "#fff", borderWidth: 2
        },
        label: { show: el.clientWidth > 600, position: "right", formatter: function (p) { return p.data.name; }, fontSize: 13,
                 color: contrast ? "#fff" : "#333" }
      }]
    });
    chart.on("click", function (p) { if (p.data && p.data.id) window.location.href = "/public/homes/" + p.data.id + "/"; });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
