// 指标监测: sparklines, the county map, one indicator's history and the wall screen's self-refresh.
// Data come from json_script elements (no inline script: CSP script-src 'self').
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var read = function (id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; };
  var dark = document.body.classList.contains("screen");
  var charts = [];
  var STATUS = { green: "#22a35a", amber: "#e0a800", red: "#d9363e", none: "#90a4ae" };

  var data = read("dash-charts");
  if (data) {
    document.querySelectorAll("[data-spark]").forEach(function (el) {
      var t = data.trends[el.getAttribute("data-spark")];
      if (!t || !t.values.some(function (v) { return v !== null; })) return;
      var c = echarts.init(el);
      c.setOption({
        animation: false, grid: { left: 2, right: 2, top: 4, bottom: 2 },
        tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null || v === undefined ? "—" : (Math.round(v * 10) / 10) + (t.unit || ""); } },
        xAxis: { type: "category", data: t.months, show: false }, yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", data: t.values, symbol: "none", connectNulls: false,
                   lineStyle: { width: 2, color: dark ? "#7fd3ff" : "#1f6fb2" },
                   areaStyle: { opacity: 0.15, color: dark ? "#7fd3ff" : "#1f6fb2" },
                   markLine: t.target !== null ? { silent: true, symbol: "none", label: { show: false },
                     lineStyle: { type: "dashed", color: "#999" }, data: [{ yAxis: t.target }] } : undefined }]
      });
      charts.push(c);
    });
  }

  var map = read("dash-map-data");
  var holder = document.getElementById("dash-map");
  if (map && holder && echarts.getMap && echarts.getMap("阳江")) {
    var c = echarts.init(holder);
    var target = map.target === null ? 100 : map.target;
    c.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.seriesType === "map") return p.name + "<br>" + map.label + "：" + (p.data ? p.data.text : "—");
        if (p.data && p.data.text) return p.name + "<br>" + map.label + "：" + p.data.text;
        return p.name;
      } },
      visualMap: { type: "piecewise", seriesIndex: 0, left: 8, bottom: 8, textStyle: { color: dark ? "#c7d6e8" : "#333" },
                   pieces: [{ min: target, label: "≥ " + target + "%", color: "#7ccf9a" },
                            { min: target * 0.9, max: target, label: (Math.round(target * 9) / 10) + "–" + target + "%", color: "#f5d46b" },
                            { max: target * 0.9, label: "< " + (Math.round(target * 9) / 10) + "%", color: "#f19a9a" }] },
      geo: { map: "阳江", roam: true, label: { show: true, color: dark ? "#e6eef8" : "#333" },
             itemStyle: { areaColor: dark ? "#1d3a5c" : "#eef3f8", borderColor: dark ? "#7fd3ff" : "#5b7fa6" } },
      series: [
        { type: "map", geoIndex: 0, data: map.counties },
        { type: "scatter", coordinateSystem: "geo", name: "乡镇", data: map.towns, symbolSize: 9, zlevel: 2,
          itemStyle: { color: function (p) { return STATUS[p.data.status] || STATUS.none; }, borderColor: "#fff", borderWidth: 1 } },
        { type: "scatter", coordinateSystem: "geo", name: "设施", data: map.points, symbol: "rect", symbolSize: 5, zlevel: 1,
          itemStyle: { color: function (p) { return p.data.kind === "institution" ? "#7b4bb7" : "#1f6fb2"; }, opacity: 0.8 } }
      ]
    });
    charts.push(c);
  }

  var history = read("dash-history-data");
  var hold = document.getElementById("dash-history");
  if (history && hold) {
    var h = echarts.init(hold);
    h.setOption({
      tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
      grid: { left: 10, right: 20, top: 40, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: history.months },
      yAxis: { type: "value", scale: true, name: history.unit },
      series: history.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.values, lineStyle: { width: i === 0 ? 3 : 1.5 },
                 markLine: i === 0 && history.target !== null ? { symbol: "none", data: [{ yAxis: history.target, name: "目标" }],
                   lineStyle: { type: "dashed", color: "#d9363e" } } : undefined };
      })
    });
    charts.push(h);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // 数据大屏: reload itself (the snapshot is recomputed by the job), and keep its clock.
  var seconds = parseInt(document.body.getAttribute("data-refresh-seconds") || "0", 10);
  if (seconds > 0) window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  var clock = document.querySelector("[data-clock]");
  if (clock) window.setInterval(function () {
    var d = new Date(), p = function (n) { return (n < 10 ? "0" : "") + n; };
    clock.textContent = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }, 1000);
})();
