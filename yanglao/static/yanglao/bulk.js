/* Yanglao console: selection for bulk actions (core/templatetags/bulk.py). The header checkbox ticks
   the page's rows; the bar counts what is ticked; ticking a row chooses "勾选的记录". Without script the
   bar still works: tick rows one by one, or choose "全部符合当前搜索条件". Loaded with defer. */
(function () {
  "use strict";
  document.querySelectorAll("[data-bulk-bar]").forEach(function (bar) {
    var id = bar.id;
    var rows = function () { return document.querySelectorAll('input[data-bulk-row][form="' + id + '"]'); };
    var all = document.querySelector('[data-bulk-all="' + id + '"]');
    var count = bar.querySelector("[data-bulk-count]");
    var idsScope = bar.querySelector("[data-bulk-scope-ids]");
    function update() {
      var list = rows();
      var n = 0;
      list.forEach(function (box) { if (box.checked) n += 1; });
      if (count) count.textContent = String(n);
      if (all) {
        all.checked = n > 0 && n === list.length;
        all.indeterminate = n > 0 && n < list.length;
      }
      if (n > 0 && idsScope) idsScope.checked = true;
    }
    if (all) {
      all.addEventListener("change", function () {
        rows().forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    rows().forEach(function (box) { box.addEventListener("change", update); });
    update();
  });
})();
