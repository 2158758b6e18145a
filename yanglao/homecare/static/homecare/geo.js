// The carer's check-in/check-out: fill the hidden latitude/longitude from the phone's location before the form
// is sent (no inline script). A form sent without a location is refused by the server with a clear message.
(function () {
  "use strict";
  function status(form, text) {
    var el = form.querySelector("[data-geo-status]") || document.querySelector("[data-geo-status]");
    if (el) el.textContent = text;
  }
  document.querySelectorAll("form[data-geo-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located === "1") return;
      if (!navigator.geolocation) { status(form, "本机不支持定位"); return; }
      event.preventDefault();
      status(form, "正在获取位置…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        form.dataset.located = "1";
        form.submit();
      }, function () {
        status(form, "未能获取位置：请允许本页面使用定位后重试");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
  });
  // "使用本机定位" on the home-location form
  document.querySelectorAll("[data-geo-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      if (!navigator.geolocation) { status(form, "本机不支持定位"); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        status(form, "已填入当前位置");
      }, function () { status(form, "未能获取位置"); });
    });
  });
})();
