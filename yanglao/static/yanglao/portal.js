/* The public portal's reading modes: 大字 (html.pt-large) and 高对比度 (html.pt-contrast), remembered in
   localStorage. Loaded in <head> without defer so the classes are on <html> before the page paints (no
   flash), then the buttons are wired when the document is parsed. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var MODES = { large: "pt-large", contrast: "pt-contrast" };
  var root = document.documentElement;
  function stored(mode) {
    try { return window.localStorage.getItem("yanglao-portal-" + mode) === "1"; } catch (e) { return false; }
  }
  function store(mode, on) {
    try { window.localStorage.setItem("yanglao-portal-" + mode, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  Object.keys(MODES).forEach(function (mode) { root.classList.toggle(MODES[mode], stored(mode)); });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-portal-mode]").forEach(function (button) {
      var mode = button.getAttribute("data-portal-mode");
      if (!MODES[mode]) return;
      button.setAttribute("aria-pressed", root.classList.contains(MODES[mode]) ? "true" : "false");
      button.addEventListener("click", function () {
        var on = !root.classList.contains(MODES[mode]);
        root.classList.toggle(MODES[mode], on);
        store(mode, on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        window.dispatchEvent(new Event("resize"));  // charts re-measure
      });
    });
    // The directory's county select narrows the township select to that county's townships.
    var county = document.getElementById("f-county");
    var township = document.getElementById("f-township");
    if (county && township) {
      var filter = function () {
        Array.prototype.forEach.call(township.options, function (o) {
          var show = !o.value || !county.value || o.getAttribute("data-county") === county.value;
          o.hidden = !show;
          if (!show && o.selected) township.value = "";
        });
      };
      county.addEventListener("change", filter);
      filter();
    }
  });
})();
