/* Yanglao console: the phone menu. The top bar's menu button opens the side menu over the page;
   the backdrop, the Escape key or choosing an entry closes it. Loaded with defer (no inline script:
   the content security policy is script-src 'self'). */
(function () {
  "use strict";
  var button = document.querySelector("[data-menu-toggle]");
  var menu = document.getElementById("sidebar");
  if (!button || !menu) return;

  function setOpen(open) {
    document.body.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var current = menu.querySelector("a.active") || menu.querySelector("a");
      if (current) current.focus({ preventScroll: true });
    }
  }

  button.addEventListener("click", function () {
    setOpen(!document.body.classList.contains("menu-open"));
  });
  document.querySelectorAll("[data-menu-close]").forEach(function (el) {
    el.addEventListener("click", function () { setOpen(false); });
  });
  menu.addEventListener("click", function (event) {
    if (event.target.closest("a")) setOpen(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
      setOpen(false);
      button.focus();
    }
  });
})();
