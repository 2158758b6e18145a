/* Pickers: choose a division or a person by name (core/pickers.py, people/pickers.py).
   Each picker is a search box (`<name>_text`) and a hidden input (`<name>`) with the chosen code or
   record id; the server resolves whatever is typed when nothing was chosen. No inline script (CSP). */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (Array.isArray(body)) return body;
          return { message: (body && body.error && body.error.message) || "" };
        });
      })
      .catch(function () { return []; });
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  /* The search list under a box: `query(text)` gives a URL, `render(item)` the row's [main, detail]
     texts, `choose(item)` fills the picker. Arrow keys, Enter and Escape work as in a combobox. */
  function suggest(box, text, list, opts) {
    var items = [], active = -1, seq = 0;
    function hide() { list.hidden = true; text.setAttribute("aria-expanded", "false"); active = -1; }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.classList.toggle("active", i === active);
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
    }
    function show(found) {
      var message = Array.isArray(found) ? "" : (found.message || box.dataset.none || "—");
      found = Array.isArray(found) ? found : [];
      items = found; active = found.length ? 0 : -1;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "picker-none"; none.textContent = message || box.dataset.none || "—";
        list.appendChild(none);
      }
      found.forEach(function (item, i) {
        var li = document.createElement("li"), parts = opts.render(item);
        li.setAttribute("role", "option"); li.dataset.index = String(i);
        var main = document.createElement("span"); main.className = "picker-main"; main.textContent = parts[0];
        li.appendChild(main);
        if (parts[1]) {
          var detail = document.createElement("span"); detail.className = "picker-detail"; detail.textContent = parts[1];
          li.appendChild(detail);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); opts.choose(item); hide(); });
        list.appendChild(li);
      });
      mark();
      list.hidden = false; text.setAttribute("aria-expanded", "true");
    }
    var run = debounce(function () {
      var q = text.value.trim(), mine = ++seq;
      if (q.length < (opts.min || 1)) { hide(); return; }
      getJSON(opts.query(q)).then(function (found) { if (mine === seq && text.value.trim() === q) show(found); });
    }, 250);
    text.addEventListener("input", function () { opts.cleared(); run(); });
    text.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (items.length) active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        mark();
      } else if (e.key === "Enter") {
        if (active >= 0 && items[active]) { e.preventDefault(); opts.choose(items[active]); hide(); }
      } else if (e.key === "Escape") { hide(); }
    });
    text.addEventListener("blur", function () { setTimeout(hide, 150); });
  }

  function initDivision(box) {
    var url = box.dataset.url, root = box.dataset.root || "", level = box.dataset.level || "";
    var hidden = box.querySelector("[data-picker-value]"), text = box.querySelector("[data-picker-text]");
    var list = box.querySelector("[data-picker-results]"), cascade = box.querySelector("[data-picker-cascade]");
    var pathEl = box.querySelector("[data-picker-path]");
    if (text.disabled) return;

    function choose(item) {
      hidden.value = item.code; text.value = item.name;
      pathEl.textContent = item.path; pathEl.title = item.full_name + " " + item.code;
      box.classList.remove("is-invalid");
      syncCascade(item.code);
    }
    suggest(box, text, list, {
      query: function (q) { return url + "?q=" + encodeURIComponent(q) + (level ? "&level=" + level : ""); },
      render: function (item) { return [item.name, item.path]; },
      choose: choose,
      cleared: function () { hidden.value = ""; pathEl.textContent = ""; }
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-picker-candidates] button"), function (b) {
      b.addEventListener("click", function () {
        choose({ code: b.dataset.code, name: b.dataset.name, path: b.dataset.path, full_name: b.dataset.name });
        b.closest("[data-picker-candidates]").hidden = true;
      });
    });

    /* county → township → community: one select per level below the user's own division */
    var building = false;
    function trimAfter(select) {
      while (select.nextSibling) cascade.removeChild(select.nextSibling);
    }
    function addLevel(parent, want) {
      return getJSON(url + "?parent=" + encodeURIComponent(parent)).then(function (items) {
        if (!items.length) return;
        var select = document.createElement("select");
        select.className = "form-select form-select-sm";
        var names = (box.dataset.levelNames || "").split("|"), levelName = names[items[0].level - 3] || "";
        var first = document.createElement("option");
        first.value = ""; first.textContent = "— " + (box.dataset.choose || "") + levelName + " —";
        select.setAttribute("aria-label", (box.dataset.choose || "") + levelName);
        select.appendChild(first);
        items.forEach(function (item) {
          var o = document.createElement("option");
          o.value = item.code; o.textContent = item.name; o.title = item.full_name + " " + item.code;
          select.appendChild(o);
        });
        cascade.appendChild(select);
        cascade.hidden = false;
        select.addEventListener("change", function () {
          trimAfter(select);
          var item = items.filter(function (i) { return i.code === select.value; })[0];
          if (!item) return;
          if (!level || String(item.level) === level) { building = true; choose(item); building = false; }
          else { hidden.value = ""; text.value = ""; pathEl.textContent = item.path; }
          if (!level || item.level < Number(level)) addLevel(item.code, []);
        });
        var next = want.shift();
        if (next && items.some(function (i) { return i.code === next; })) {
          select.value = next;
          if (!level || items[0].level < Number(level)) return addLevel(next, want);
        }
      });
    }
    function wanted(code) {
      return [4, 6, 9, 12].filter(function (n) { return n > root.length && n <= code.length; })
        .map(function (n) { return code.slice(0, n); });
    }
    function syncCascade(code) {
      if (building) return;
      cascade.textContent = "";
      addLevel(root, wanted(code));
    }
    if (root && root.length < 12) addLevel(root, wanted(hidden.value));
  }

  function initPerson(box) {
    var url = box.dataset.url;
    var hidden = box.querySelector("[data-picker-value]"), text = box.querySelector("[data-picker-text]");
    var list = box.querySelector("[data-picker-results]");
    function choose(item) { hidden.value = String(item.id); text.value = item.label; }
    suggest(box, text, list, {
      min: 1,
      query: function (q) { return url + "?q=" + encodeURIComponent(q); },
      render: function (item) { return [item.label, ""]; },
      choose: choose,
      cleared: function () { hidden.value = ""; }
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-picker-candidates] button"), function (b) {
      b.addEventListener("click", function () {
        choose({ id: b.dataset.id, label: b.dataset.label });
        b.closest("[data-picker-candidates]").hidden = true;
      });
    });
  }

  function init(scope) {
    Array.prototype.forEach.call((scope || document).querySelectorAll("[data-picker]"), function (box) {
      if (box.dataset.pickerReady) return;
      box.dataset.pickerReady = "1";
      if (box.dataset.picker === "division") initDivision(box);
      else if (box.dataset.picker === "person") initPerson(box);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
